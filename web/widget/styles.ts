/**
 * The widget's styles, scoped by its shadow root: the host page's rules cannot reach inside,
 * and these cannot leak out. `:host { all: initial !important }` also stops the page's
 * inherited styles (fonts, letter-spacing…) at the door.
 */
const CSS = `
:host { all: initial !important; }
[hidden] { display: none !important; }
.root { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; letter-spacing: normal; text-align: left; }
.root *, .root *::before, .root *::after { box-sizing: border-box; letter-spacing: inherit; }
button, input, textarea { font: inherit; color: inherit; margin: 0; }
button { cursor: pointer; }
.root :focus-visible { outline: 3px solid #f59f00; outline-offset: 2px; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; padding: 0; border: 0; border-radius: 50%; background: #3451d1; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.28); display: grid; place-items: center; }
.launcher:hover { background: #2a43b3; }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 370px; max-width: calc(100vw - 24px); height: 560px; max-height: calc(100vh - 108px); display: flex; flex-direction: column; background: #fff; border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.28); overflow: hidden; }
@media (max-width: 480px) {
  .panel { left: 10px; right: 10px; top: 10px; bottom: 80px; width: auto; max-width: none; height: auto; max-height: none; }
  .launcher { right: 14px; bottom: 14px; width: 52px; height: 52px; }
}
.header { display: flex; align-items: center; gap: 6px; padding: 14px 16px; background: #3451d1; color: #fff; }
.header h2 { margin: 0; font-size: 16px; font-weight: 600; }
.back { background: transparent; border: 0; color: #fff; font-size: 22px; line-height: 1; padding: 0 8px 2px; border-radius: 6px; }
.banner { margin: 0; padding: 6px 16px; background: #fff4ce; color: #5c4400; font-size: 13px; }
.body { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.form, .list-view, .notice { padding: 16px; overflow-y: auto; display: flex; flex-direction: column; gap: 12px; }
.intro, .muted { margin: 0; color: #57606a; }
.field { display: flex; flex-direction: column; gap: 4px; font-size: 14px; font-weight: 600; }
.field input { font-weight: 400; padding: 9px 11px; border: 1px solid #8c959f; border-radius: 8px; background: #fff; width: 100%; }
.required { color: #b42318; }
.primary { background: #3451d1; color: #fff; border: 0; border-radius: 8px; padding: 10px 16px; font-weight: 600; }
.primary:hover { background: #2a43b3; }
.primary:disabled { opacity: .6; cursor: default; }
.error { margin: 0; color: #b42318; font-size: 14px; }
.conversations { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.conversation { width: 100%; text-align: left; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 10px; padding: 10px 12px; display: flex; flex-direction: column; gap: 2px; }
.conversation:hover { border-color: #3451d1; }
.conversation .first { font-weight: 500; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.conversation .meta { font-size: 12px; color: #57606a; }
.chat { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.queue { margin: 0; padding: 8px 16px; background: #eef2ff; color: #1e3a8a; font-size: 13px; }
.log { flex: 1; min-height: 0; overflow-y: auto; padding: 12px 12px 4px; display: flex; flex-direction: column; }
.older { align-self: center; margin-bottom: 8px; background: #fff; border: 1px solid #d0d7de; border-radius: 14px; padding: 4px 12px; font-size: 13px; }
.messages { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.empty { margin: auto; color: #57606a; font-size: 14px; text-align: center; }
.msg { max-width: 85%; display: flex; flex-direction: column; align-items: flex-start; gap: 2px; }
.msg.mine { align-self: flex-end; align-items: flex-end; }
.msg .who, .msg .meta { font-size: 11px; color: #57606a; }
.msg .text { margin: 0; padding: 8px 12px; border-radius: 14px; background: #f0f2f5; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.mine .text { background: #3451d1; color: #fff; }
.msg.pending .text { opacity: .75; }
.msg.failed .text { background: #fdecea; color: #7a271a; }
.typing { margin: 0; min-height: 20px; padding: 0 16px; font-size: 12px; font-style: italic; color: #57606a; }
.composer { display: flex; gap: 8px; align-items: flex-end; padding: 8px 12px 12px; border-top: 1px solid #d8dee4; }
.composer textarea { flex: 1; min-width: 0; resize: none; height: 42px; max-height: 120px; padding: 9px 11px; border: 1px solid #8c959f; border-radius: 10px; background: #fff; }
.closed { display: flex; flex-direction: column; gap: 8px; padding: 12px 16px 16px; border-top: 1px solid #d8dee4; }
.closed p { margin: 0; }
.rating { display: flex; align-items: center; flex-wrap: wrap; gap: 2px; }
.rating .label { margin-right: 6px; font-size: 14px; }
.rating button { background: transparent; border: 0; border-radius: 6px; padding: 0 4px; font-size: 26px; line-height: 1.1; color: #b07d00; }
`;

/** Adopted stylesheets where the browser has them (a page's CSP on inline styles does not apply to them), else a <style>. */
export function applyStyles(root: ShadowRoot): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = CSS;
    root.appendChild(style);
  }
}
