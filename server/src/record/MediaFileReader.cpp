#include "record/MediaFileReader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

namespace parley::record {

std::unique_ptr<MediaFileReader> MediaFileReader::open(const std::string& path,
                                                       std::string* error) {
  std::unique_ptr<MediaFileReader> reader(new MediaFileReader());
  int rc = avformat_open_input(&reader->context_, path.c_str(), nullptr, nullptr);
  if (rc < 0) {
    reader->context_ = nullptr;
    if (error) *error = "cannot open " + path;
    return nullptr;
  }
  rc = avformat_find_stream_info(reader->context_, nullptr);
  if (rc < 0) {
    if (error) *error = "cannot read the streams of " + path;
    return nullptr;
  }
  for (unsigned i = 0; i < reader->context_->nb_streams; ++i) {
    const AVCodecParameters* par = reader->context_->streams[i]->codecpar;
    TrackFormat format;
    bool known = true;
    switch (par->codec_id) {
      case AV_CODEC_ID_VP8:
        format.codec = TrackFormat::Codec::Vp8;
        break;
      case AV_CODEC_ID_VP9:
        format.codec = TrackFormat::Codec::Vp9;
        break;
      case AV_CODEC_ID_H264:
        format.codec = TrackFormat::Codec::H264;
        break;
      case AV_CODEC_ID_OPUS:
        format.codec = TrackFormat::Codec::Opus;
        break;
      default:
        known = false;
    }
    if (!known) {
      reader->trackOfStream_.push_back(-1);
      continue;
    }
    format.width = par->width;
    format.height = par->height;
    if (!format.isVideo()) {
      format.sampleRate = par->sample_rate;
      format.channels = par->ch_layout.nb_channels;
    }
    reader->trackOfStream_.push_back(static_cast<int>(reader->tracks_.size()));
    reader->tracks_.push_back(format);
  }
  if (reader->tracks_.empty()) {
    if (error) *error = path + " holds no VP8, VP9, H.264 or Opus track";
    return nullptr;
  }
  return reader;
}

MediaFileReader::~MediaFileReader() {
  if (context_) avformat_close_input(&context_);
}

std::optional<MediaFileReader::Frame> MediaFileReader::next() {
  AVPacket* packet = av_packet_alloc();
  if (!packet) return std::nullopt;
  std::optional<Frame> frame;
  while (av_read_frame(context_, packet) >= 0) {
    const int index = packet->stream_index;
    if (index < 0 || static_cast<std::size_t>(index) >= trackOfStream_.size() ||
        trackOfStream_[static_cast<std::size_t>(index)] < 0) {
      av_packet_unref(packet);
      continue;
    }
    Frame f;
    f.track = static_cast<std::size_t>(trackOfStream_[static_cast<std::size_t>(index)]);
    const std::int64_t ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    f.ptsMs = ts == AV_NOPTS_VALUE
                  ? 0
                  : av_rescale_q(ts, context_->streams[index]->time_base, AVRational{1, 1000});
    f.keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
    f.data.assign(packet->data, packet->data + packet->size);
    av_packet_unref(packet);
    frame = std::move(f);
    break;
  }
  av_packet_free(&packet);
  return frame;
}

}  // namespace parley::record
