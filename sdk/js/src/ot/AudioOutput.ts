// The audio output device (speaker) that subscribers play through: OT.setAudioOutputDevice,
// OT.getActiveAudioOutputDevice and OT.getAudioOutputDevices. One choice per page, as in
// OpenTok.js; the media elements of subscribers are registered here (Session does it when a
// subscriber's element is created) so a new choice reaches the ones already playing and later
// ones start on it.

import type { AudioOutputDevice } from './OT.js';
import { ErrorNames, OTError } from './OTError.js';

/** Error names OpenTok.js uses for audio output devices only. */
export const AudioOutputErrorNames = {
  INVALID_AUDIO_OUTPUT_SOURCE: 'OT_INVALID_AUDIO_OUTPUT_SOURCE',
  REQUESTED_DEVICE_PERMISSION_DENIED: 'OT_REQUESTED_DEVICE_PERMISSION_DENIED',
} as const;


type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };

/** '' until the app picks one: the browser's default device. */
let currentDeviceId = '';
const elements = new Set<SinkElement>();

function mediaDevices(): MediaDevices | undefined {
  return typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
}

/** setSinkId on media elements and devicechange events, as OpenTok.js requires. */
export function hasAudioOutputSupport(): boolean {
  const proto = (globalThis as { HTMLMediaElement?: { prototype: object } }).HTMLMediaElement?.prototype;
  const md = mediaDevices();
  return !!proto && 'setSinkId' in proto && !!md && 'ondevicechange' in md;
}

export async function listAudioOutputDevices(): Promise<AudioOutputDevice[]> {
  const md = mediaDevices();
  if (!md || typeof md.enumerateDevices !== 'function') throw new Error('This browser does not support enumerateDevices APIs');
  const list = await md.enumerateDevices();
  return list.filter((d) => d.kind === 'audiooutput').map((d) => ({ deviceId: d.deviceId, label: d.label }));
}

/** The browser's own default: the device listed as 'default', else the first one. */
function defaultDeviceId(devices: AudioOutputDevice[]): string {
  const d = devices.find((x) => x.deviceId === 'default') ?? devices[0];
  return d?.deviceId ?? '';
}

export async function activeAudioOutputDevice(): Promise<AudioOutputDevice> {
  const devices = await listAudioOutputDevices();
  if (devices.length === 0) return { deviceId: null, label: null };
  const chosen = devices.find((d) => d.deviceId === currentDeviceId);
  return chosen ?? devices.find((d) => d.deviceId === defaultDeviceId(devices)) ?? devices[0]!;
}

function applyTo(el: SinkElement, deviceId: string): Promise<void> {
  if (typeof el.setSinkId !== 'function' || el.sinkId === deviceId) return Promise.resolve();
  return el.setSinkId(deviceId);
}

function applyAll(deviceId: string): Promise<void> {
  for (const el of [...elements]) if (!el.isConnected && !el.srcObject) elements.delete(el);
  return Promise.all([...elements].map((el) => applyTo(el, deviceId))).then(() => undefined);
}

/**
 * Switches every subscriber to `deviceId`. An unknown id is refused before anything changes;
 * when the browser refuses the switch, the elements go back to the previous device.
 */
export async function setAudioOutputDevice(deviceId: string): Promise<void> {
  if (!hasAudioOutputSupport()) {
    throw new OTError(ErrorNames.UNSUPPORTED_BROWSER, 'setAudioOutputDevice is not supported in your browser.');
  }
  const devices = await listAudioOutputDevices();
  if (!devices.some((d) => d.deviceId === deviceId)) {
    throw new OTError(AudioOutputErrorNames.INVALID_AUDIO_OUTPUT_SOURCE, 'The requested device is not valid.');
  }
  try {
    await applyAll(deviceId);
    currentDeviceId = deviceId;
  } catch {
    await applyAll(currentDeviceId).catch(() => applyAll(defaultDeviceId(devices)).catch(() => undefined));
    throw new OTError(AudioOutputErrorNames.REQUESTED_DEVICE_PERMISSION_DENIED, 'No permission to use the requested device.');
  }
}

/** A subscriber's media element: plays on the chosen device from now on. */
export function trackAudioOutputElement(el: HTMLMediaElement): void {
  const sink = el as SinkElement;
  elements.add(sink);
  if (currentDeviceId !== '') applyTo(sink, currentDeviceId).catch(() => undefined);
}

export function untrackAudioOutputElement(el: HTMLMediaElement): void {
  elements.delete(el as SinkElement);
}
