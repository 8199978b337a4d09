#include "record/MediaFileWriter.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include <algorithm>
#include <cstring>
#include <vector>

#include "media/codecs/H264Sps.h"
#include "record/FfmpegCodec.h"
#include "record/FfmpegLog.h"

namespace parley::record {

namespace {

std::string ffmpegError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return text;
}

// The width and height in a VP8 keyframe's header (RFC 6386 §9.1); false if it is not one.
bool vp8Dimensions(std::span<const std::uint8_t> frame, int* width, int* height) {
  if (frame.size() < 10 || (frame[0] & 1) != 0) return false;
  if (frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a) return false;
  *width = (frame[6] | (frame[7] << 8)) & 0x3fff;
  *height = (frame[8] | (frame[9] << 8)) & 0x3fff;
  return *width > 0 && *height > 0;
}

// The picture size in a VP9 keyframe's uncompressed header (VP9 bitstream specification
// §6.2; the first frame of a superframe, its base layer); false if it is not one.
bool vp9Dimensions(std::span<const std::uint8_t> frame, int* width, int* height) {
  std::size_t bit = 0;
  auto read = [&](int n) -> int {
    int v = 0;
    for (int i = 0; i < n; ++i, ++bit) {
      if (bit / 8 >= frame.size()) return -1;
      v = (v << 1) | ((frame[bit / 8] >> (7 - bit % 8)) & 1);
    }
    return v;
  };
  if (read(2) != 2) return false;  // frame_marker
  const int low = read(1);
  const int profile = (read(1) << 1) | low;
  if (profile == 3 && read(1) != 0) return false;
  if (read(1) != 0) return false;  // show_existing_frame
  if (read(1) != 0) return false;  // frame_type: not a keyframe
  read(2);                         // show_frame, error_resilient_mode
  if (read(8) != 0x49 || read(8) != 0x83 || read(8) != 0x42) return false;
  if (profile >= 2) read(1);  // ten_or_twelve_bit
  const int colorSpace = read(3);
  if (colorSpace != 7) {  // not RGB
    read(1);              // color_range
    if (profile == 1 || profile == 3) read(3);
  } else if (profile == 1 || profile == 3) {
    read(1);
  }
  const int w = read(16);
  const int h = read(16);
  if (w < 0 || h < 0) return false;
  *width = w + 1;
  *height = h + 1;
  return true;
}

// The NAL units of an Annex B access unit (FrameAssembler's form), without start codes
// and trailing zero bytes, in order; `each` returns false to stop.
template <typename Each>
void forEachNal(std::span<const std::uint8_t> unit, Each each) {
  std::size_t start = 0;  // of the current NAL unit, 0 before the first start code
  bool inNal = false;
  std::size_t i = 0;
  auto finish = [&](std::size_t end) {
    while (end > start && unit[end - 1] == 0) --end;
    return !inNal || end == start || each(unit.subspan(start, end - start));
  };
  while (i + 3 <= unit.size()) {
    if (unit[i] == 0 && unit[i + 1] == 0 && unit[i + 2] == 1) {
      if (!finish(i)) return;
      inNal = true;
      start = i + 3;
      i += 3;
    } else {
      ++i;
    }
  }
  finish(unit.size());
}

// What Matroska needs of an H.264 track, taken from a keyframe's in-band parameter sets
// (WebRTC senders put them before every IDR): the picture size, from the SPS, and the SPS
// and PPS as codec private data, in Annex B form, which libavformat turns into an avcC
// record (and then the blocks into length-prefixed form). False when either is missing.
bool h264Parameters(std::span<const std::uint8_t> frame, int* width, int* height,
                    std::vector<std::uint8_t>* extradata) {
  std::span<const std::uint8_t> sps;
  std::span<const std::uint8_t> pps;
  forEachNal(frame, [&](std::span<const std::uint8_t> nal) {
    const int type = nal[0] & 0x1F;
    if (type == 7 && sps.empty()) sps = nal;
    if (type == 8 && pps.empty()) pps = nal;
    return sps.empty() || pps.empty();
  });
  if (sps.empty() || pps.empty()) return false;
  const auto parsed = media::codecs::H264Sps::parse(sps.data(), sps.size());
  if (!parsed) return false;
  *width = parsed->width();
  *height = parsed->height();
  static constexpr std::uint8_t kStartCode[] = {0, 0, 0, 1};
  extradata->clear();
  for (auto nal : {sps, pps}) {
    extradata->insert(extradata->end(), std::begin(kStartCode), std::end(kStartCode));
    extradata->insert(extradata->end(), nal.begin(), nal.end());
  }
  return true;
}

bool setExtradata(AVCodecParameters* par, const std::vector<std::uint8_t>& bytes) {
  auto* data = static_cast<std::uint8_t*>(av_mallocz(bytes.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!data) return false;
  std::memcpy(data, bytes.data(), bytes.size());
  av_freep(&par->extradata);
  par->extradata = data;
  par->extradata_size = static_cast<int>(bytes.size());
  return true;
}

// Matroska refuses an H.264 track without codec private data. For one that never had a
// keyframe (so no frame either), these parameter sets (what libx264 writes for 640x480
// constrained baseline, the nominal size) describe the empty track.
const std::vector<std::uint8_t> kNominalH264Parameters = {
    0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x3d, 0xb0,
    0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x16,
    0x2e, 0x48, 0x00, 0x00, 0x00, 0x01, 0x68, 0xcb, 0x83, 0xcb, 0x20};

// Matroska wants Opus's identification header (RFC 7845 §5.1) as codec private data. RTP
// carries none: one or two channels at 48 kHz, no pre-skip, no gain.
bool setOpusHead(AVCodecParameters* par, int channels) {
  constexpr int kSize = 19;
  auto* head = static_cast<std::uint8_t*>(av_mallocz(kSize + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!head) return false;
  std::memcpy(head, "OpusHead", 8);
  head[8] = 1;  // version
  head[9] = static_cast<std::uint8_t>(channels);
  // pre-skip 0 (bytes 10-11); input sample rate 48000, little-endian
  head[12] = 0x80;
  head[13] = 0xBB;
  // output gain 0 (16-17); mapping family 0 (18)
  par->extradata = head;
  par->extradata_size = kSize;
  return true;
}

}  // namespace

std::unique_ptr<MediaFileWriter> MediaFileWriter::create(const std::string& path,
                                                         std::vector<TrackFormat> tracks,
                                                         std::string* error) {
  FfmpegLog::install();
  std::unique_ptr<MediaFileWriter> writer(new MediaFileWriter());
  writer->path_ = path;
  writer->tracks_ = std::move(tracks);
  writer->lastPts_.assign(writer->tracks_.size(), -1);
  writer->keyed_.assign(writer->tracks_.size(), false);
  bool anyH264 = false;
  for (const auto& t : writer->tracks_) anyH264 |= t.codec == TrackFormat::Codec::H264;
  const char* format = anyH264 ? "matroska" : "webm";
  int rc = avformat_alloc_output_context2(&writer->context_, nullptr, format, path.c_str());
  if (rc < 0 || !writer->context_) {
    if (error) *error = "cannot set up " + std::string(format) + ": " + ffmpegError(rc);
    return nullptr;
  }
  for (const auto& t : writer->tracks_) {
    AVStream* stream = avformat_new_stream(writer->context_, nullptr);
    if (!stream) {
      if (error) *error = "cannot add a stream";
      return nullptr;
    }
    stream->time_base = AVRational{1, 1000};
    AVCodecParameters* par = stream->codecpar;
    par->codec_id = ffmpegCodecId(t.codec);
    if (t.isVideo()) {
      par->codec_type = AVMEDIA_TYPE_VIDEO;
      par->width = t.width;
      par->height = t.height;
    } else {
      par->codec_type = AVMEDIA_TYPE_AUDIO;
      par->sample_rate = t.sampleRate;
      av_channel_layout_default(&par->ch_layout, t.channels);
      if (!setOpusHead(par, t.channels)) {
        if (error) *error = "out of memory";
        return nullptr;
      }
    }
  }
  rc = avio_open(&writer->context_->pb, path.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) {
    if (error) *error = "cannot create " + path + ": " + ffmpegError(rc);
    return nullptr;
  }
  // Written as it comes: every packet reaches the file at once (crash safety).
  writer->context_->flags |= AVFMT_FLAG_FLUSH_PACKETS;
  if (!writer->start(error)) return nullptr;
  return writer;
}

// The header goes out once every video track knows its size (from its first keyframe
// when the caller did not know it).
bool MediaFileWriter::start(std::string* error) {
  if (headerWritten_) return true;
  for (std::size_t i = 0; i < tracks_.size(); ++i)
    if (tracks_[i].isVideo() && (tracks_[i].width == 0 || tracks_[i].height == 0)) return true;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "cluster_time_limit", "500", 0);
  av_dict_set(&options, "cluster_size_limit", "2097152", 0);
  int rc = avformat_write_header(context_, &options);
  av_dict_free(&options);
  if (rc < 0) {
    failed_ = true;
    if (error) *error = "cannot write the header of " + path_ + ": " + ffmpegError(rc);
    return false;
  }
  headerWritten_ = true;
  return true;
}

bool MediaFileWriter::write(std::size_t track, std::int64_t ptsMs, bool keyframe,
                            std::span<const std::uint8_t> frame, std::string* error) {
  if (failed_ || finished_ || track >= tracks_.size() || frame.empty()) return false;
  TrackFormat& format = tracks_[track];
  if (format.isVideo() && !keyed_[track]) {
    if (!keyframe) return false;  // a file starts decodable
    const bool vpx =
        format.codec == TrackFormat::Codec::Vp8 || format.codec == TrackFormat::Codec::Vp9;
    if (vpx && (format.width == 0 || format.height == 0)) {
      int width = 0;
      int height = 0;
      const bool found = format.codec == TrackFormat::Codec::Vp8
                             ? vp8Dimensions(frame, &width, &height)
                             : vp9Dimensions(frame, &width, &height);
      if (!found) return false;
      format.width = width;
      format.height = height;
      AVCodecParameters* par = context_->streams[track]->codecpar;
      par->width = width;
      par->height = height;
    }
    if (format.codec == TrackFormat::Codec::H264 && !headerWritten_) {
      // A keyframe without its parameter sets cannot start the file: wait for one with them.
      int width = 0;
      int height = 0;
      std::vector<std::uint8_t> extradata;
      if (!h264Parameters(frame, &width, &height, &extradata)) return false;
      AVCodecParameters* par = context_->streams[track]->codecpar;
      if (!setExtradata(par, extradata)) {
        if (error) *error = "out of memory";
        return false;
      }
      if (format.width == 0 || format.height == 0) {
        format.width = par->width = width;
        format.height = par->height = height;
      }
    }
    keyed_[track] = true;
    if (!start(error)) return false;
  }
  if (!headerWritten_) {
    // Another video track has no keyframe yet: keep the frame for when it does.
    waiting_.push_back(Waiting{track, ptsMs, keyframe, {frame.begin(), frame.end()}});
    waitingBytes_ += frame.size();
    while (waitingBytes_ > kMaxWaitingBytes) {
      waitingBytes_ -= waiting_.front().data.size();
      waiting_.pop_front();
    }
    return true;
  }
  if (!waiting_.empty()) {
    std::deque<Waiting> waiting;
    waiting.swap(waiting_);
    waitingBytes_ = 0;
    for (auto& w : waiting)
      if (!writeNow(w.track, w.ptsMs, w.keyframe, w.data, error)) return false;
  }
  return writeNow(track, ptsMs, keyframe, frame, error);
}

bool MediaFileWriter::writeNow(std::size_t track, std::int64_t ptsMs, bool keyframe,
                               std::span<const std::uint8_t> frame, std::string* error) {
  const TrackFormat& format = tracks_[track];
  if (ptsMs < lastPts_[track]) ptsMs = lastPts_[track];
  lastPts_[track] = ptsMs;

  AVPacket* packet = av_packet_alloc();
  if (!packet) {
    if (error) *error = "out of memory";
    return false;
  }
  packet->data = const_cast<std::uint8_t*>(frame.data());
  packet->size = static_cast<int>(frame.size());
  packet->stream_index = static_cast<int>(track);
  packet->pts = packet->dts = ptsMs;
  if (keyframe || !format.isVideo()) packet->flags |= AV_PKT_FLAG_KEY;
  const int rc = av_write_frame(context_, packet);
  av_packet_free(&packet);
  if (rc < 0) {
    failed_ = true;
    if (error) *error = "cannot write to " + path_ + ": " + ffmpegError(rc);
    return false;
  }
  ++framesWritten_;
  bytesWritten_ += frame.size();
  return true;
}

bool MediaFileWriter::finish(std::string* error) {
  if (finished_) return !failed_;
  finished_ = true;
  bool ok = !failed_;
  if (context_ && !headerWritten_ && !failed_ && !waiting_.empty()) {
    // A video track never got its keyframe: the frames that waited for it (audio) are
    // still worth a file, so the header goes out with a nominal picture size.
    for (std::size_t i = 0; i < tracks_.size(); ++i) {
      if (!tracks_[i].isVideo() || (tracks_[i].width && tracks_[i].height)) continue;
      tracks_[i].width = kNominalWidth;
      tracks_[i].height = kNominalHeight;
      context_->streams[i]->codecpar->width = kNominalWidth;
      context_->streams[i]->codecpar->height = kNominalHeight;
      if (tracks_[i].codec == TrackFormat::Codec::H264 &&
          !setExtradata(context_->streams[i]->codecpar, kNominalH264Parameters)) {
        failed_ = true;
        if (error) *error = "out of memory";
      }
    }
    std::deque<Waiting> waiting;
    waiting.swap(waiting_);
    waitingBytes_ = 0;
    if (!failed_ && start(error))
      for (auto& w : waiting)
        if (!writeNow(w.track, w.ptsMs, w.keyframe, w.data, error)) break;
    ok = !failed_;
  }
  if (context_) {
    if (headerWritten_ && !failed_) {
      const int rc = av_write_trailer(context_);
      if (rc < 0) {
        ok = false;
        if (error) *error = "cannot finish " + path_ + ": " + ffmpegError(rc);
      }
    }
    if (context_->pb) avio_closep(&context_->pb);
    avformat_free_context(context_);
    context_ = nullptr;
  }
  return ok;
}

MediaFileWriter::~MediaFileWriter() {
  finish(nullptr);
}

}  // namespace parley::record
