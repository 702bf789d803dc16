// @ts-check
// Finding the page's elements, typed, failing loudly when the HTML and the scripts disagree.

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} [type] the element's class (default HTMLElement)
 * @returns {T}
 */
export function element(id, type) {
  const found = document.getElementById(id);
  const expected = type ?? HTMLElement;
  if (!(found instanceof expected)) throw new Error(`the page has no ${expected.name} #${id}`);
  return /** @type {T} */ (found);
}
