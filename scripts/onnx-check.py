"""Validates ONNX files with the official onnx.checker (full_check: shape inference included).

Usage: python3 scripts/onnx-check.py MODEL.onnx [...]
Prints one JSON line per model; exits 1 if any model fails.
"""
import json
import sys

try:
    import onnx
    import onnx.checker
except ImportError:
    sys.stderr.write("the onnx Python package is missing: apt-get install python3-onnx\n")
    sys.exit(2)

failed = False
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        print(json.dumps({
            "file": path,
            "ok": True,
            "onnx": onnx.__version__,
            "ir_version": model.ir_version,
            "opsets": {imp.domain or "ai.onnx": imp.version for imp in model.opset_import},
            "inputs": [i.name for i in model.graph.input],
            "outputs": [o.name for o in model.graph.output],
            "ops": sorted({n.op_type for n in model.graph.node}),
        }))
    except Exception as error:  # the checker raises several exception types
        failed = True
        print(json.dumps({"file": path, "ok": False, "error": str(error)}))
sys.exit(1 if failed else 0)
