// A small W3C WebDriver client over fetch, enough to drive the Tauri
// window through tauri-driver (which proxies to WebKitWebDriver).
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriver {
  constructor(base) {
    this.base = base;
    this.session = null;
  }

  async cmd(method, path, body) {
    const url = `${this.base}${this.session ? `/session/${this.session}` : ''}${path}`;
    const r = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json().catch(() => ({}));
    if (!r.ok || (json.value && json.value.error)) {
      throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value ?? json).slice(0, 500)}`);
    }
    return json.value;
  }

  async start(application) {
    const base = this.base;
    const r = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capabilities: { alwaysMatch: { 'tauri:options': { application } } } }),
    });
    const json = await r.json();
    if (!r.ok) throw new Error(`new session: ${JSON.stringify(json)}`);
    this.session = json.value.sessionId;
  }

  async quit() {
    if (!this.session) return;
    await this.cmd('DELETE', '');
    this.session = null;
  }

  /** Resizes the window (the viewport follows): a phone's 390×844. */
  async setSize(width, height) {
    return this.cmd('POST', '/window/rect', { width, height });
  }

  /** The window as a PNG. */
  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }

  async find(css) {
    const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return v[ELEMENT];
  }

  async findAll(css) {
    const v = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return v.map((e) => e[ELEMENT]);
  }

  /** Waits until `css` matches (and `pred(text)` holds for its text). */
  async waitFor(css, { timeoutMs = 15000, text, intervalMs = 150 } = {}) {
    const until = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const id = await this.find(css);
        if (!text) return id;
        last = await this.text(id);
        if (typeof text === 'string' ? last.includes(text) : text(last)) return id;
      } catch (e) {
        last = String(e.message);
      }
      if (Date.now() > until) throw new Error(`timed out waiting for ${css} (${last.slice(0, 300)})${await this.alerts()}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** What the page says in its alerts and status lines, for a failure's message. */
  async alerts() {
    try {
      const said = await this.exec(
        `return [...document.querySelectorAll('[role="alert"], [role="status"], [aria-live]')].map((e) => e.textContent.trim()).filter(Boolean)`,
      );
      return said.length ? `; the page says: ${JSON.stringify(said).slice(0, 500)}` : '';
    } catch {
      return '';
    }
  }

  /** Clicks `css` once it stays where it is: a click is sent to the
   *  element's centre, so a layout still moving (a live preview above the
   *  target re-rendering) would land it on a neighbour. */
  async click(css) {
    const id = await this.waitFor(css);
    const until = Date.now() + 5000;
    let before = await this.cmd('GET', `/element/${id}/rect`);
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 80));
      const now = await this.cmd('GET', `/element/${id}/rect`);
      if (now.x === before.x && now.y === before.y && now.width === before.width && now.height === before.height) break;
      before = now;
    }
    await this.clickElement(id);
  }

  /** Scrolls the element (an option: its select) to the middle of the
   *  window, as a person does before tapping or typing into it. */
  async scrollToMiddle(id) {
    await this.exec(
      `const e = arguments[0].tagName === 'OPTION' ? arguments[0].closest('select') : arguments[0];
       e.scrollIntoView({ block: 'center', inline: 'nearest' });`,
      [{ [ELEMENT]: id }],
    );
  }

  async clickElement(id) {
    // As a person scrolls what they tap to the middle of the screen: an
    // element in view but under the app's sticky top or action bar would
    // take the click otherwise (WebDriver scrolls only what is out of view).
    const el = { [ELEMENT]: id };
    await this.scrollToMiddle(id);
    try {
      await this.cmd('POST', `/element/${id}/click`, {});
    } catch (e) {
      // Say what took the click instead.
      const onTop = await this.exec(
        `const e = arguments[0].tagName === 'OPTION' ? arguments[0].closest('select') : arguments[0];
         const r = e.getBoundingClientRect();
         const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
         const name = (n) => n ? n.tagName + (n.id ? '#' + n.id : '') + (n.className ? '.' + String(n.className).split(' ').join('.') : '') : 'nothing';
         return name(e) + ' at ' + [r.left, r.top, r.width, r.height].map(Math.round) + ', on top: ' + name(top) + ', viewport ' + innerWidth + 'x' + innerHeight;`,
        [el],
      ).catch(() => '');
      throw new Error(`${e.message} (${onTop})`);
    }
  }

  async type(css, text) {
    const id = await this.waitFor(css);
    await this.scrollToMiddle(id);
    await this.cmd('POST', `/element/${id}/clear`, {});
    if (text !== '') await this.cmd('POST', `/element/${id}/value`, { text });
  }

  async text(id) {
    return this.cmd('GET', `/element/${id}/text`);
  }

  async exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async execAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args });
  }

  /** Picks an option of a <select> by value, the way a user does. */
  async select(css, value) {
    // A yes/no answer is a group of toggles (radio buttons): tap the one.
    if (await this.exec(`return document.querySelector(arguments[0])?.tagName === 'FIELDSET'`, [css])) {
      await this.click(`${css} input[type="radio"][value="${value}"]`);
      return;
    }
    await this.click(`${css} option[value="${value}"]`);
    const got = await this.exec(`return document.querySelector(arguments[0]).value`, [css]);
    if (got !== value) {
      // Some drivers do not fire change on option clicks: set it as the user's choice would.
      await this.exec(
        `const s = document.querySelector(arguments[0]); s.value = arguments[1];
         s.dispatchEvent(new Event('change', { bubbles: true })); s.dispatchEvent(new Event('input', { bubbles: true }));`,
        [css, value],
      );
    }
  }
}
