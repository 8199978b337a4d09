#include "record/RtmpMuxer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <chrono>

#include "core/ThreadName.h"
#include "record/FfmpegError.h"

namespace parley::record {

const char* RtmpMuxer::statusName(Status s) {
  switch (s) {
    case Status::Connecting:
      return "connecting";
    case Status::Live:
      return "live";
    case Status::Offline:
      return "offline";
    case Status::Error:
      return "error";
  }
  return "error";
}

RtmpMuxer::RtmpMuxer(std::string url, Listener listener, Vet vet)
    : url_(std::move(url)), listener_(std::move(listener)), vet_(std::move(vet)) {}

RtmpMuxer::~RtmpMuxer() {
  std::string ignored;
  finish(&ignored);
  for (auto& q : queue_) av_packet_free(&q.packet);
  avcodec_parameters_free(&videoParams_);
  avcodec_parameters_free(&audioParams_);
}

bool RtmpMuxer::start(const AVCodecContext* video, const AVCodecContext* audio,
                      std::string* error) {
  if (video) {
    videoParams_ = avcodec_parameters_alloc();
    if (!videoParams_ || avcodec_parameters_from_context(videoParams_, video) < 0) {
      *error = "out of memory";
      return false;
    }
    videoTimeBase_[0] = video->time_base.num;
    videoTimeBase_[1] = video->time_base.den;
  }
  if (audio) {
    audioParams_ = avcodec_parameters_alloc();
    if (!audioParams_ || avcodec_parameters_from_context(audioParams_, audio) < 0) {
      *error = "out of memory";
      return false;
    }
    audioTimeBase_[0] = audio->time_base.num;
    audioTimeBase_[1] = audio->time_base.den;
  }
  thread_ = std::thread([this] {
    core::nameThisThread("broadcast-rtmp");
    run();
  });
  return true;
}

bool RtmpMuxer::write(const AVPacket& packet, bool video, std::string*) {
  if (stopping_) return true;
  AVPacket* copy = av_packet_clone(&packet);
  if (!copy) return true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A server slower than the composition: what it could not take in time is dropped, and
    // pushing resumes at the next keyframe, so the queue never grows without bound.
    const auto ms = [&](const Queued& q) {
      const int* tb = q.video ? videoTimeBase_ : audioTimeBase_;
      return av_rescale_q(q.packet->dts, AVRational{tb[0], tb[1]}, AVRational{1, 1000});
    };
    queue_.push_back(Queued{copy, video});
    if (queue_.size() > kMaxQueuedPackets ||
        ms(queue_.back()) - ms(queue_.front()) > kMaxQueuedSeconds * 1000) {
      for (auto& q : queue_) av_packet_free(&q.packet);
      queue_.clear();
      waitKeyframe_ = true;
    }
  }
  wake_.notify_one();
  return true;
}

bool RtmpMuxer::finish(std::string*) {
  if (stopping_.exchange(true)) return true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return true;
}

void RtmpMuxer::report(Status status, const std::string& why) {
  if (reported_ && status == status_) return;
  reported_ = true;
  status_ = status;
  if (listener_) listener_(status, why);
}

int RtmpMuxer::interrupted(void* self) {
  return static_cast<RtmpMuxer*>(self)->stopping_.load() ? 1 : 0;
}

bool RtmpMuxer::next(Queued* out) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return false;  // stopping
    Queued q = queue_.front();
    queue_.pop_front();
    // After an overflow or at a new connection: nothing until a video keyframe (audio-only
    // streams start anywhere).
    if (waitKeyframe_ && videoParams_) {
      if (!q.video || !(q.packet->flags & AV_PKT_FLAG_KEY)) {
        av_packet_free(&q.packet);
        continue;
      }
    }
    waitKeyframe_ = false;
    *out = q;
    return true;
  }
}

AVFormatContext* RtmpMuxer::connect(std::string* why) {
  if (vet_) {
    if (auto refused = vet_()) {
      *why = *refused;
      return nullptr;
    }
  }
  AVFormatContext* format = nullptr;
  int rc = avformat_alloc_output_context2(&format, nullptr, "flv", url_.c_str());
  if (rc < 0 || !format) {
    *why = ffmpegError("no FLV muxer", rc);
    return nullptr;
  }
  auto fail = [&](const std::string& text) {
    *why = text;
    if (format->pb) avio_closep(&format->pb);
    avformat_free_context(format);
    return nullptr;
  };
  for (AVCodecParameters* params : {videoParams_, audioParams_}) {
    if (!params) continue;
    AVStream* s = avformat_new_stream(format, nullptr);
    if (!s || avcodec_parameters_copy(s->codecpar, params) < 0) return fail("out of memory");
    s->codecpar->codec_tag = 0;
    s->time_base = AVRational{1, 1000};
  }
  AVIOInterruptCB interrupt{&RtmpMuxer::interrupted, this};
  AVDictionary* options = nullptr;
  // A server that stops answering is given up after 5 s (then tried again), and finish()
  // interrupts any wait at once.
  av_dict_set(&options, "rw_timeout", "5000000", 0);
  rc = avio_open2(&format->pb, url_.c_str(), AVIO_FLAG_WRITE, &interrupt, &options);
  av_dict_free(&options);
  if (rc < 0) return fail(ffmpegError("cannot connect", rc));
  format->interrupt_callback = interrupt;
  rc = avformat_write_header(format, nullptr);
  if (rc < 0) return fail(ffmpegError("the server refused the stream", rc));
  return format;
}

bool RtmpMuxer::push(std::string* why) {
  AVFormatContext* format = connect(why);
  if (!format) return stopping_;
  report(Status::Live, "");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waitKeyframe_ = true;  // a new connection starts decodable
  }
  std::int64_t originMs = -1;  // the connection's first packet: its time zero
  bool ok = true;
  Queued q{};
  while (ok && next(&q)) {
    const int* tb = q.video ? videoTimeBase_ : audioTimeBase_;
    const AVRational from{tb[0], tb[1]};
    const std::int64_t dtsMs = av_rescale_q(q.packet->dts, from, AVRational{1, 1000});
    if (originMs < 0) originMs = dtsMs;
    q.packet->dts = std::max<std::int64_t>(0, dtsMs - originMs);
    q.packet->pts = std::max<std::int64_t>(
        q.packet->dts, av_rescale_q(q.packet->pts, from, AVRational{1, 1000}) - originMs);
    q.packet->duration = av_rescale_q(q.packet->duration, from, AVRational{1, 1000});
    // Video is the first stream when there is video.
    q.packet->stream_index = (q.video || !videoParams_) ? 0 : 1;
    const int rc = av_interleaved_write_frame(format, q.packet);
    av_packet_free(&q.packet);
    if (rc < 0) {
      *why = ffmpegError("the connection failed", rc);
      ok = false;
    }
  }
  if (ok) av_write_trailer(format);
  if (format->pb) avio_closep(&format->pb);
  avformat_free_context(format);
  return ok && stopping_;
}

void RtmpMuxer::run() {
  report(Status::Connecting, "");
  int backoffS = 1;
  while (!stopping_) {
    std::string why;
    if (push(&why)) break;
    if (stopping_) break;
    // A connection that was live and dropped: offline, and the next try comes soon; one that
    // could not be made: an error, tried again later and later.
    const bool wentLive = status_ == Status::Live;
    if (wentLive) backoffS = 1;
    report(wentLive ? Status::Offline : Status::Error, why);
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, std::chrono::seconds(backoffS), [&] { return stopping_.load(); });
    backoffS = std::min(backoffS * 2, kMaxRetrySeconds);
  }
}

}  // namespace parley::record
