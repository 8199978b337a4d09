// The DOM element of a publisher or subscriber: a div holding a <video> and a name label,
// placed relative to the target element by insertMode ('replace', 'after', 'before',
// 'append'), sized by width/height. With insertDefaultUI false there is no element: the
// app gets the <video> from the videoElementCreated event.

import { ErrorNames, ExceptionCodes, OTError } from './OTError.js';

export interface WidgetOptions {
  kind: 'publisher' | 'subscriber';
  target?: HTMLElement | string | null | undefined;
  insertMode?: string | undefined;
  width?: number | string | undefined;
  height?: number | string | undefined;
  name?: string | undefined;
  mirror?: boolean | undefined;
  fitMode?: string | undefined;
  insertDefaultUI?: boolean | undefined;
  /** Publishers' own audio is never played back. */
  muted?: boolean | undefined;
}

let nextId = 1;

const size = (v: number | string | undefined, fallback: string): string =>
  v === undefined || v === null || v === '' ? fallback : typeof v === 'number' ? `${v}px` : String(v);

/** Resolves an element or element id; throws OTError 1011 for an id that does not exist. */
export function resolveTarget(target: HTMLElement | string | null | undefined): HTMLElement | null {
  if (target === undefined || target === null) return null;
  if (typeof target === 'string') {
    const el = document.getElementById(target);
    if (!el) throw new OTError(ErrorNames.INVALID_PARAMETER, `The targetElement ID provided does not exist in your HTML: ${target}`, ExceptionCodes.INVALID_PARAMETER);
    return el;
  }
  if (typeof target === 'object' && typeof (target as HTMLElement).appendChild === 'function') return target;
  throw new OTError(ErrorNames.INVALID_PARAMETER, 'targetElement must be an element or an element id', ExceptionCodes.INVALID_PARAMETER);
}

export class Widget {
  /** The root div, or null with insertDefaultUI false. */
  readonly element: HTMLElement | null;
  readonly video: HTMLVideoElement;
  readonly id: string;
  private readonly label: HTMLElement | null;

  constructor(o: WidgetOptions) {
    const target = resolveTarget(o.target);
    this.id = target && o.insertMode !== 'append' && o.insertMode !== 'after' && o.insertMode !== 'before' && target.id ? target.id : `OT_${o.kind}_${nextId++}`;
    this.video = document.createElement('video');
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.setAttribute('playsinline', '');
    if (o.muted) {
      this.video.muted = true;
      this.video.setAttribute('muted', '');
    }
    this.video.className = 'OT_video-element';
    Object.assign(this.video.style, { width: '100%', height: '100%', objectFit: o.fitMode === 'contain' ? 'contain' : 'cover', display: 'block', background: '#000' });
    if (o.mirror) this.video.style.transform = 'scaleX(-1)';

    if (o.insertDefaultUI === false) {
      this.element = null;
      this.label = null;
      return;
    }
    const root = document.createElement('div');
    root.id = this.id;
    root.className = `OT_root OT_${o.kind}`;
    Object.assign(root.style, { position: 'relative', overflow: 'hidden', width: size(o.width, '264px'), height: size(o.height, '198px'), background: '#000' });
    const container = document.createElement('div');
    container.className = 'OT_widget-container';
    Object.assign(container.style, { position: 'absolute', inset: '0' });
    container.appendChild(this.video);
    root.appendChild(container);
    const label = document.createElement('div');
    label.className = 'OT_name';
    Object.assign(label.style, { position: 'absolute', left: '0', bottom: '0', padding: '2px 6px', font: '12px sans-serif', color: '#fff', background: 'rgba(0,0,0,.5)' });
    label.textContent = o.name ?? '';
    label.hidden = !o.name;
    root.appendChild(label);
    this.label = label;
    this.element = root;
    this.insert(root, target, o.insertMode ?? 'replace');
  }

  private insert(root: HTMLElement, target: HTMLElement | null, mode: string): void {
    if (!target) {
      document.body.appendChild(root);
      return;
    }
    switch (mode) {
      case 'append':
        target.appendChild(root);
        break;
      case 'before':
        target.parentNode?.insertBefore(root, target);
        break;
      case 'after':
        target.parentNode?.insertBefore(root, target.nextSibling);
        break;
      default: // 'replace'
        if (target.parentNode) target.parentNode.replaceChild(root, target);
        else document.body.appendChild(root);
    }
  }

  setStream(stream: MediaStream | null): void {
    if (this.video.srcObject !== stream) this.video.srcObject = stream;
    if (stream) this.video.play().catch(() => undefined);
  }

  setName(name: string): void {
    if (!this.label) return;
    this.label.textContent = name;
    this.label.hidden = !name;
  }

  /** Marks the widget (class names an app can style) e.g. OT_audio-disabled. */
  setFlag(className: string, on: boolean): void {
    this.element?.classList.toggle(className, on);
  }

  /** The current frame as base64 JPEG without the data: prefix (OpenTok.js's getImgData). */
  snapshot(): string | null {
    const v = this.video;
    if (!v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    c.getContext('2d')?.drawImage(v, 0, 0);
    return c.toDataURL('image/jpeg').replace(/^data:image\/jpeg;base64,/, '');
  }

  destroy(): void {
    this.video.srcObject = null;
    this.video.remove();
    this.element?.remove();
  }
}
