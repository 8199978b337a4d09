#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "load/ClipCodec.h"

namespace parley::load {

// What `parley load` was asked to do (its --help is usage()).
struct LoadOptions {
  std::string url = "http://127.0.0.1:5080";
  std::string apiKey;
  std::string apiSecret;
  std::string sessionId;  // empty: a new routed session per run
  std::string token;      // empty: minted with the API key and secret
  std::string janusUrl;   // ws://…: play the same load on a Janus videoroom instead
  uint64_t janusRoom = 1234;
  int publishers = 1;
  int subscribers = 10;       // subscriber connections
  bool perPublisher = false;  // each subscriber takes one publisher, not all of them
  ClipCodec videoCodec = ClipCodec::Vp8;
  bool video = true;
  bool audio = true;
  bool simulcast = false;
  uint16_t width = 640;
  uint16_t height = 480;
  uint32_t videoBitrate = 0;  // 0: the clip maker's default for the size
  double pacing = 2.5;        // video pacing rate / the clip's mean bitrate (0: none)
  double durationSeconds = 30;
  double settleSeconds = 2;   // after the last subscription receives, before measuring
  double rampPerSecond = 20;  // connections started per second
  double connectTimeoutSeconds = 60;
  unsigned threads = 1;
  bool subscriberDtlsServer = false;
  bool busyPoll = false;
  bool connectionEvents = false;  // clients get every other client's connection events  // answer
                                  // setup:passive (the SFU connects)
  std::optional<int> serverPid;
  std::string jsonPath;  // "-": stdout
  std::string clipsDir;
  std::string localIp = "127.0.0.1";

  static std::string usage();
  // Parses argv after "load"; nullopt with `error` set on bad input.
  static std::optional<LoadOptions> parse(int argc, char** argv, std::string* error);
  // `--clips` default: $XDG_CACHE_HOME/parley/clips, else ~/.cache/parley/clips.
  static std::string defaultClipsDir();
};

}  // namespace parley::load
