// @ts-check
// The access-token field, shown only when the server asks for a token (a deployment with CLASSIFY_TOKEN set).
// The token is kept for this browser tab only (sessionStorage), never in the page's address or in cookies.
import { element } from "./dom.js";

const STORAGE_KEY = "edge-digits.classify-token";

export class TokenBox {
  #card = element("token-card");
  #input = element("token", HTMLInputElement);

  /** @param {{ onSubmit: () => void }} handlers called when the user enters a token */
  constructor({ onSubmit }) {
    const submit = () => {
      const token = this.#input.value.trim();
      if (!token) return;
      sessionStorage.setItem(STORAGE_KEY, token);
      onSubmit();
    };
    element("token-use").addEventListener("click", submit);
    this.#input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") submit();
    });
  }

  /** The token to send, if the user gave one in this tab. */
  get token() {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  }

  /** Shows the field and puts the cursor in it (the stored token, if any, was refused). */
  ask() {
    sessionStorage.removeItem(STORAGE_KEY);
    this.#card.hidden = false;
    this.#input.focus();
    this.#input.select();
  }

  /** The server accepted the token (or needs none): the field goes away. */
  accepted() {
    this.#card.hidden = true;
  }
}
