/**
 * The in-page banner that mirrors the terminal's current step, injected into every page by an init
 * script. It lives in a shadow root so the app's CSS cannot restyle it; its Next button calls the
 * `ledgertapNext` binding. Plain browser JavaScript in a string: the project compiles without DOM types.
 */
export const BANNER_SCRIPT = `(() => {
  if (window.top !== window) return;
  let root;
  const render = (state) => {
    if (!document.body) return;
    let host = document.getElementById('__ledgertap_banner');
    if (!host) {
      if (!state) return;
      host = document.createElement('div');
      host.id = '__ledgertap_banner';
      host.style.cssText = 'position:fixed;z-index:2147483647;right:12px;bottom:12px;max-width:420px;';
      root = host.attachShadow({ mode: 'open' });
      document.body.appendChild(host);
    }
    if (!root) return;
    if (!state) { host.remove(); return; }
    root.innerHTML = '';
    const box = document.createElement('div');
    box.style.cssText = 'font:13px/1.4 system-ui,sans-serif;background:#111;color:#eee;border:2px solid #f0b90b;border-radius:8px;padding:10px 12px;box-shadow:0 4px 16px rgba(0,0,0,.4)';
    const head = document.createElement('div');
    head.style.cssText = 'font-weight:600;color:#f0b90b';
    head.textContent = 'ledgertap is recording · step ' + (state.index + 1) + '/' + state.total + ': ' + state.title;
    const body = document.createElement('div');
    body.style.cssText = 'margin:6px 0';
    body.textContent = state.do;
    const button = document.createElement('button');
    button.textContent = state.index + 1 === state.total ? 'Finish' : 'Next';
    button.style.cssText = 'background:#f0b90b;color:#111;border:0;border-radius:4px;padding:4px 12px;cursor:pointer;font-weight:600';
    button.addEventListener('click', () => { if (window.ledgertapNext) window.ledgertapNext(); });
    const hide = document.createElement('button');
    hide.textContent = 'Hide';
    hide.title = 'Hide this banner until the next step (Enter in the terminal also moves on)';
    hide.style.cssText = 'margin-left:8px;background:transparent;color:#aaa;border:1px solid #555;border-radius:4px;padding:4px 8px;cursor:pointer';
    hide.addEventListener('click', () => { host.style.display = 'none'; });
    box.append(head, body, button, hide);
    host.style.display = '';
    root.append(box);
  };
  window.__ledgertapRender = render;
  window.__ledgertapBannerText = () => root ? root.textContent : '';
  const boot = () => { if (window.ledgertapState) window.ledgertapState().then(render, () => {}); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
})();`;
