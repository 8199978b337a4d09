// Camera, microphone and screen capture for publishers (OT.initPublisher's videoSource,
// audioSource, resolution, frameRate), with getUserMedia errors mapped to OT's names.

import { ErrorNames, ExceptionCodes, OTError } from './OTError.js';
import { log } from './Log.js';

export type MediaSourceOption = string | boolean | null | undefined | MediaStreamTrack;

export interface CaptureOptions {
  videoSource?: MediaSourceOption;
  audioSource?: MediaSourceOption;
  /** 'WIDTHxHEIGHT', e.g. '1280x720'. */
  resolution?: string | undefined;
  frameRate?: number | undefined;
  maxResolution?: { width: number; height: number } | undefined;
  /** Audio processing, as OpenTok.js applies them: each defaults to on; disableAudioProcessing turns all three off. */
  echoCancellation?: boolean | undefined;
  noiseSuppression?: boolean | undefined;
  autoGainControl?: boolean | undefined;
  disableAudioProcessing?: boolean | undefined;
  /** Asks the microphone for two channels (channelCount: 2). */
  enableStereo?: boolean | undefined;
  /** Which camera of a phone or tablet: 'user', 'environment', 'left' or 'right' (others are ignored, as in OpenTok.js). */
  facingMode?: 'user' | 'environment' | 'left' | 'right' | undefined;
}

const FACING_MODES: readonly string[] = ['user', 'environment', 'left', 'right'];

/** The facing mode as a preference (OpenTok.js asks `ideal`), or nothing when absent or unknown. */
function facingConstraint(o: CaptureOptions): MediaTrackConstraints {
  if (o.facingMode === undefined) return {};
  if (!FACING_MODES.includes(o.facingMode)) {
    log.warn(`Invalid facingMode ${String(o.facingMode)}: expected one of ${FACING_MODES.join(', ')}`);
    return {};
  }
  return { facingMode: { ideal: o.facingMode } };
}

export interface CapturedMedia {
  stream: MediaStream;
  audioTrack: MediaStreamTrack | undefined;
  videoTrack: MediaStreamTrack | undefined;
  /** 'camera', 'screen' or 'custom' (a track the app passed); undefined without video. */
  videoType: 'camera' | 'screen' | 'custom' | undefined;
}

const SCREEN_SOURCES = new Set(['screen', 'window', 'application', 'browser']);

const isTrack = (v: unknown): v is MediaStreamTrack => typeof v === 'object' && v !== null && typeof (v as MediaStreamTrack).stop === 'function' && 'kind' in v;

export function isScreenSource(v: MediaSourceOption): boolean {
  return typeof v === 'string' && SCREEN_SOURCES.has(v);
}

function parseResolution(r: string | undefined): { width: number; height: number } | undefined {
  const m = r ? /^(\d+)x(\d+)$/.exec(r) : null;
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/** Maps a getUserMedia / getDisplayMedia rejection to the error OpenTok.js reports. */
export function captureError(err: unknown, screen: boolean): OTError {
  const name = (err as { name?: string })?.name ?? '';
  const message = (err as { message?: string })?.message ?? String(err);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new OTError(ErrorNames.USER_MEDIA_ACCESS_DENIED, `End-user denied permission to hardware devices (${message})`, ExceptionCodes.UNABLE_TO_PUBLISH);
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return new OTError(ErrorNames.NO_DEVICES_FOUND, `No audio or video input devices are available (${message})`, ExceptionCodes.UNABLE_TO_PUBLISH);
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new OTError(ErrorNames.HARDWARE_UNAVAILABLE, `The selected audio or video source is in use or unavailable (${message})`, ExceptionCodes.UNABLE_TO_PUBLISH);
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return new OTError(ErrorNames.CONSTRAINTS_NOT_SATISFIED, `No device satisfies the requested constraints (${message})`, ExceptionCodes.UNABLE_TO_PUBLISH);
    default:
      return new OTError(screen ? ErrorNames.UNABLE_TO_CAPTURE_SCREEN : ErrorNames.UNABLE_TO_CAPTURE_MEDIA, message, ExceptionCodes.UNABLE_TO_PUBLISH);
  }
}

/** The microphone constraints OpenTok.js derives from the publisher options. */
export function audioConstraints(o: CaptureOptions): MediaTrackConstraints {
  const c: MediaTrackConstraints = {};
  if (o.enableStereo) c.channelCount = 2;
  c.echoCancellation = !o.disableAudioProcessing && o.echoCancellation !== false;
  c.autoGainControl = !o.disableAudioProcessing && o.autoGainControl !== false;
  c.noiseSuppression = !o.disableAudioProcessing && o.noiseSuppression !== false;
  return c;
}

/** The camera constraints from resolution / frameRate (the defaults OpenTok.js uses: 640x480). */
export function cameraConstraints(o: CaptureOptions): MediaTrackConstraints {
  const res = parseResolution(o.resolution);
  const video: MediaTrackConstraints = {};
  video.width = { ideal: res?.width ?? 640 };
  video.height = { ideal: res?.height ?? 480 };
  if (o.frameRate) video.frameRate = { ideal: o.frameRate };
  return { ...video, ...facingConstraint(o) };
}

/** One new track from a device (setVideoSource, cycleVideo, setAudioSource with a device id). */
export async function captureDeviceTrack(kind: 'audio' | 'video', deviceId: string, o: CaptureOptions): Promise<MediaStreamTrack> {
  const md = navigator.mediaDevices;
  const base = kind === 'video' ? cameraConstraints(o) : audioConstraints(o);
  let s: MediaStream;
  try {
    s = await md.getUserMedia(kind === 'video' ? { video: { ...base, deviceId: { exact: deviceId } }, audio: false } : { audio: { ...base, deviceId: { exact: deviceId } }, video: false });
  } catch (err) {
    throw captureError(err, false);
  }
  const track = kind === 'video' ? s.getVideoTracks()[0] : s.getAudioTracks()[0];
  if (!track) throw new OTError(ErrorNames.NO_DEVICES_FOUND, `No ${kind} track from device ${deviceId}`, ExceptionCodes.UNABLE_TO_PUBLISH);
  return track;
}

function deviceConstraint(source: MediaSourceOption, extra: MediaTrackConstraints): MediaTrackConstraints | false {
  if (source === null || source === false) return false;
  if (typeof source === 'string' && source !== '') return { ...extra, deviceId: { exact: source } };
  return { ...extra };
}

export async function captureMedia(o: CaptureOptions): Promise<CapturedMedia> {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  const screen = isScreenSource(o.videoSource);
  if (!md || typeof md.getUserMedia !== 'function') {
    throw new OTError(ErrorNames.NOT_SUPPORTED, 'This browser cannot capture media (navigator.mediaDevices is missing: is the page served over https?)', ExceptionCodes.UNABLE_TO_PUBLISH);
  }
  const res = parseResolution(o.resolution);
  const video: MediaTrackConstraints = {};
  if (res) {
    video.width = { ideal: res.width };
    video.height = { ideal: res.height };
  } else if (!screen) {
    video.width = { ideal: 640 };
    video.height = { ideal: 480 };
  }
  if (o.frameRate) video.frameRate = { ideal: o.frameRate };
  if (!screen) Object.assign(video, facingConstraint(o));

  let videoTrack: MediaStreamTrack | undefined;
  let audioTrack: MediaStreamTrack | undefined;
  let videoType: CapturedMedia['videoType'];
  const acquired: MediaStreamTrack[] = [];
  try {
    if (isTrack(o.videoSource)) {
      videoTrack = o.videoSource;
      videoType = 'custom';
    } else if (screen) {
      if (typeof md.getDisplayMedia !== 'function') {
        throw new OTError(ErrorNames.SCREEN_SHARING_NOT_SUPPORTED, 'Screen sharing is not supported in this browser', ExceptionCodes.UNABLE_TO_PUBLISH);
      }
      const displayVideo: MediaTrackConstraints = { ...video };
      if (o.maxResolution) {
        displayVideo.width = { max: o.maxResolution.width };
        displayVideo.height = { max: o.maxResolution.height };
      }
      let s: MediaStream;
      try {
        s = await md.getDisplayMedia({ video: displayVideo, audio: false });
      } catch (err) {
        throw err instanceof OTError ? err : captureError(err, true);
      }
      videoTrack = s.getVideoTracks()[0];
      if (videoTrack) acquired.push(videoTrack);
      videoType = 'screen';
    }
    if (isTrack(o.audioSource)) audioTrack = o.audioSource;
    const wantCameraVideo = !videoTrack && !screen ? deviceConstraint(o.videoSource, video) : false;
    const wantAudio = isTrack(o.audioSource) ? false : deviceConstraint(o.audioSource, audioConstraints(o));
    if (wantCameraVideo || wantAudio) {
      let s: MediaStream;
      try {
        s = await md.getUserMedia({ video: wantCameraVideo, audio: wantAudio });
      } catch (err) {
        throw captureError(err, false);
      }
      if (wantCameraVideo) {
        videoTrack = s.getVideoTracks()[0];
        if (videoTrack) {
          acquired.push(videoTrack);
          videoType = 'camera';
        }
      }
      if (wantAudio) {
        audioTrack = s.getAudioTracks()[0];
        if (audioTrack) acquired.push(audioTrack);
      }
    }
  } catch (err) {
    for (const t of acquired) t.stop();
    throw err;
  }
  if (!videoTrack && !audioTrack) {
    throw new OTError(ErrorNames.INVALID_PARAMETER, 'Publisher has neither audio nor video (both sources are null or false)', ExceptionCodes.INVALID_PARAMETER);
  }
  const stream = new MediaStream([audioTrack, videoTrack].filter((t): t is MediaStreamTrack => !!t));
  return { stream, audioTrack, videoTrack, videoType };
}
