#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "record/PacketRing.h"
#include "record/Recorder.h"
#include "record/StreamFileWriter.h"

namespace parley::record {

// Recording as parleyd does it, for the benchmarks: `streams` published streams, each
// queued by a worker into its own PacketRing and written by one Recorder thread into its
// own StreamFileWriter (WebM), as session::ArchiveManager sets them up. Every stream
// carries the same real clip (Clip: 720p VP8 and stereo Opus made by ffmpeg, as RTP), in
// a fresh directory removed afterwards.
class RecordingLoad {
 public:
  // A recorded stream's packets in the order and at the times a worker queues them.
  struct Clip {
    std::vector<PacketRing::Packet> packets;
    std::int64_t durationUs = 0;  // the last packet's arrival
    std::uint64_t rtpBytes = 0;
    std::string description;  // what the clip is, for labels
  };
  // Made once per process (ffmpeg takes a second or two); null, with `error`, when ffmpeg
  // or the clip's reader fails.
  static const Clip* clip(std::string* error);

  // What a stream's file is made of, as ArchiveManager asks for VP8 + Opus.
  static std::vector<StreamFileWriter::Track> tracks();

  // A fresh directory under $TMPDIR (or /tmp), removed with its files by the destructor.
  class TempDir {
   public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

   private:
    std::filesystem::path path_;
  };

  enum class Pace {
    RealTime,  // each packet queued when it arrives; dropped when its ring is full
    FlatOut,   // queued as soon as its ring has room: how fast the recorder can go
  };

  RecordingLoad(std::size_t streams, std::size_t ringPackets);
  ~RecordingLoad();
  RecordingLoad(const RecordingLoad&) = delete;
  RecordingLoad& operator=(const RecordingLoad&) = delete;

  // Empty once every stream's file is open.
  const std::string& error() const { return error_; }

  // Queues every stream's clip once, on the calling thread (the worker's part), stream i
  // starting i × kStaggerUs after the first; returns early once `stop` reads true.
  void play(Pace pace, const std::atomic<bool>* stop = nullptr);
  // Closes the rings and waits (up to `timeout`) until the recorder has finished every
  // file; false on a timeout.
  bool finish(std::chrono::seconds timeout);

  // Of play(); summed over the streams. pushed(): packets handed to the rings, queued or
  // dropped.
  std::uint64_t pushed() const { return pushed_; }
  std::uint64_t dropped() const;                              // at RealTime: the rings were full
  std::uint64_t ringFullWaits() const { return fullWaits_; }  // at FlatOut
  std::int64_t mediaUs() const { return mediaUs_; }           // of one stream
  // After finish().
  bool allOk() const;
  std::uint64_t fileBytes() const;
  std::uint64_t packetsLost() const;

  static constexpr std::int64_t kStaggerUs = 7000;

 private:
  struct Finished {
    std::mutex mutex;
    std::vector<StreamFileWriter::Result> results;
  };

  TempDir dir_;
  std::vector<std::shared_ptr<PacketRing>> rings_;
  std::shared_ptr<Finished> finished_;  // the writers' callbacks may outlive a failed finish()
  std::unique_ptr<Recorder> recorder_;
  std::string error_;
  std::uint64_t pushed_ = 0;
  std::uint64_t fullWaits_ = 0;
  std::int64_t mediaUs_ = 0;
  bool closed_ = false;
};

}  // namespace parley::record
