/*! Kafka Playground embed loader — <kafka-playground> as an accessible, lazily loaded iframe.
 * Documentation: docs/embed.md (embed-docs.html on the site). No dependencies, no eval.
 *
 *   <script src="https://example.org/kafka-playground/embed.js" defer></script>
 *   <kafka-playground widget="producer" scenario="payments"
 *                     controls="acks,min.insync.replicas,produce"></kafka-playground>
 *
 * Attributes map to the embed parameters (widget → embed, start → t); `title` names the iframe,
 * `base` is the playground's address when this script is a local copy (mdBook additional-js),
 * `height` fixes its height (otherwise it follows the widget's `resize` messages). Messages from
 * the widget are re-dispatched on the element as `kafka-playground` CustomEvents (detail = the
 * message); `element.send({type: 'produce'})` posts a message to the widget.
 */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('kafka-playground')) return;
  const script = document.currentScript;
  // The playground lives next to this script, unless an element names it with base="…".
  const DEFAULT_BASE = new URL('./', script && script.src ? script.src : location.href);
  const PARAMS = {
    widget: 'embed', scenario: 'scenario', run: 'run', lesson: 'lesson', step: 'step',
    controls: 'controls', readonly: 'readonly', autoplay: 'autoplay', speed: 'speed',
    start: 't', lang: 'lang', theme: 'theme', note: 'note',
  };
  const TITLES = {
    cluster: 'Kafka Playground: a simulated Kafka cluster',
    producer: 'Kafka Playground: acks and min.insync.replicas',
    group: 'Kafka Playground: a consumer group',
    lesson: 'Kafka Playground: a lesson step',
  };
  const HEIGHTS = { cluster: 820, producer: 640, group: 620, lesson: 900 };
  let counter = 0;

  class KafkaPlayground extends HTMLElement {
    static get observedAttributes() {
      return Object.keys(PARAMS).concat(['title', 'height', 'base']);
    }
    connectedCallback() {
      if (!this._frame) this._render();
    }
    disconnectedCallback() {
      if (this._onMessage) window.removeEventListener('message', this._onMessage);
      this._onMessage = null;
      this._frame = null;
    }
    attributeChangedCallback() {
      if (this._frame) this._render();
    }
    /** The iframe. */
    get frame() {
      return this._frame || null;
    }
    /** Posts a documented message (see docs/embed.md) to the widget. */
    send(message) {
      if (this._frame && this._frame.contentWindow) this._frame.contentWindow.postMessage(message, this._base.origin);
    }
    _render() {
      if (this._onMessage) window.removeEventListener('message', this._onMessage);
      let base = DEFAULT_BASE;
      if (this.hasAttribute('base')) {
        try {
          const b = new URL(this.getAttribute('base'), location.href);
          if (/^https?:$/.test(b.protocol)) base = new URL(b.pathname.endsWith('/') ? b.href : b.href + '/');
        } catch (_) { /* not a URL: keep the default */ }
      }
      this._base = base;
      const ORIGIN = base.origin;
      const widget = this.getAttribute('widget') || (this.hasAttribute('lesson') ? 'lesson' : 'producer');
      if (!this.id) this.id = `kafka-playground-${++counter}`;
      const q = new URLSearchParams();
      for (const [attr, param] of Object.entries(PARAMS)) {
        if (attr === 'widget') q.set('embed', widget);
        else if (this.hasAttribute(attr)) q.set(param, this.getAttribute(attr));
      }
      q.set('id', this.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64));
      // The widget then posts only to this page's origin and accepts only its messages.
      if (/^https?:$/.test(location.protocol)) q.set('origin', location.origin);
      const frame = document.createElement('iframe');
      frame.src = `${base.href}?${q.toString()}`;
      frame.title = this.getAttribute('title') || TITLES[widget] || 'Kafka Playground';
      frame.loading = 'lazy';
      frame.setAttribute('allow', 'clipboard-write');
      const fixed = Number(this.getAttribute('height'));
      frame.style.cssText = `display:block;width:100%;border:0;border-radius:12px;height:${fixed > 0 ? fixed : HEIGHTS[widget] || 640}px`;
      if (!this.style.display) this.style.display = 'block';
      this._onMessage = (e) => {
        if (e.source !== frame.contentWindow || e.origin !== ORIGIN) return;
        const d = e.data;
        if (!d || d.source !== 'kafka-playground') return;
        if (d.type === 'resize' && !(fixed > 0) && Number.isFinite(d.height)) {
          frame.style.height = `${Math.max(160, Math.min(4000, Math.ceil(d.height)))}px`;
        }
        this.dispatchEvent(new CustomEvent('kafka-playground', { detail: d, bubbles: true }));
      };
      window.addEventListener('message', this._onMessage);
      this._frame = frame;
      this.replaceChildren(frame);
    }
  }
  customElements.define('kafka-playground', KafkaPlayground);
})();
