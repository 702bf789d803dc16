// Counts the scans of a JPEG before jpeg-js decodes it. Each progressive scan walks every block of the image
// again, and a scan can be a dozen bytes long, so a 5 MiB file with hundreds of thousands of scans over a
// 2048×2048 frame would keep the CPU busy for minutes while staying under every size limit.

const MARKER_SOS = 0xda;
const MARKER_EOI = 0xd9;

const isRestartMarker = (marker: number) => marker >= 0xd0 && marker <= 0xd7;

/**
 * Number of start-of-scan segments, found by walking the marker segments (so an EXIF thumbnail inside APP1
 * does not count). Stops at the first structural problem: the decoder reports those itself.
 */
export function countJpegScans(bytes: Uint8Array): number {
  let scans = 0;
  let i = 2; // after SOI
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff) break;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === MARKER_EOI) break;
    if (isRestartMarker(marker) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (i + 3 >= bytes.length) break;
    const segmentEnd = i + 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
    if (marker !== MARKER_SOS) {
      i = segmentEnd;
      continue;
    }
    scans++;
    // Entropy-coded data follows; inside it 0xFF is always followed by 0x00 (stuffing) or a restart marker.
    let j = segmentEnd;
    while (j + 1 < bytes.length && !(bytes[j] === 0xff && bytes[j + 1] !== 0 && !isRestartMarker(bytes[j + 1]!))) j++;
    i = j;
  }
  return scans;
}
