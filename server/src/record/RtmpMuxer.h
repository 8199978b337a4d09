#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "record/PacketMuxer.h"

struct AVCodecContext;
struct AVCodecParameters;
struct AVFormatContext;
struct AVPacket;

namespace parley::record {

// One RTMP target of a live broadcast: FLV over RTMP (libavformat) pushed from a thread of its
// own, fed through a bounded queue, so a slow or dead server never holds up the composition or
// the other outputs. A connection that fails or drops is tried again (after 1 s, doubling up to
// kMaxRetrySeconds) until finish(); the queue keeps only the latest kMaxQueuedSeconds, and a
// new connection starts at a keyframe. Status changes (OpenTok's rtmp[].status) reach
// `listener` from the pushing thread.
class RtmpMuxer final : public PacketMuxer {
 public:
  enum class Status { Connecting, Live, Offline, Error };
  static const char* statusName(Status s);
  using Listener = std::function<void(Status status, const std::string& why)>;
  // Asked on the pushing thread before each connection (it may block on DNS): why this
  // target must not be reached now, or nullopt (the server's address policy).
  using Vet = std::function<std::optional<std::string>()>;

  static constexpr int kMaxRetrySeconds = 30;
  static constexpr int kMaxQueuedSeconds = 4;
  static constexpr std::size_t kMaxQueuedPackets = 1024;

  RtmpMuxer(std::string url, Listener listener, Vet vet = {});
  ~RtmpMuxer() override;

  bool start(const AVCodecContext* video, const AVCodecContext* audio, std::string* error) override;
  bool write(const AVPacket& packet, bool video, std::string* error) override;
  bool finish(std::string* error) override;
  bool essential() const override { return false; }

 private:
  struct Queued {
    AVPacket* packet;
    bool video;
  };
  void run();
  // One connection: pushes until it fails or finish(); true when it ended by finish().
  bool push(std::string* why);
  // Opens the connection and writes the FLV header; null, with `why`, when it fails.
  AVFormatContext* connect(std::string* why);
  void report(Status status, const std::string& why);
  // The oldest queued packet, waiting for one; null once finishing and empty.
  bool next(Queued* out);
  static int interrupted(void* self);

  const std::string url_;
  Listener listener_;
  Vet vet_;
  // The encoders' parameters and time bases, for each connection.
  AVCodecParameters* videoParams_ = nullptr;
  AVCodecParameters* audioParams_ = nullptr;
  int videoTimeBase_[2] = {1, 1000};
  int audioTimeBase_[2] = {1, 48000};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;  // guarded by mutex_
  bool waitKeyframe_ = true;  // guarded by mutex_: the queue overflowed; resume at a keyframe
  std::atomic<bool> stopping_{false};   // finish(): also aborts a blocking network call
  Status status_ = Status::Connecting;  // the pushing thread's
  bool reported_ = false;
  std::thread thread_;
};

}  // namespace parley::record
