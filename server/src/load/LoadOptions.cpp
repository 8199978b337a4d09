#include "load/LoadOptions.h"

#include <cstdlib>
#include <functional>
#include <map>

namespace parley::load {

std::string LoadOptions::usage() {
  return "Usage: parley load [options]\n"
         "\n"
         "Plays simulated WebRTC clients against a Parley (or OpenTok-compatible) server through\n"
         "its real protocols -- session info, Rumor/Raptor, ICE, DTLS, SRTP -- and reports what\n"
         "they saw: join time, time to first keyframe, bitrate, packet rate, loss, jitter and\n"
         "end-to-end latency per subscriber, and the server's CPU and memory when --server-pid\n"
         "is given. Media are clips made once with ffmpeg (VP8 or H.264, Opus) and looped.\n"
         "\n"
         "Server:\n"
         "  --url URL               REST and session info base (default http://127.0.0.1:5080)\n"
         "  --api-key KEY --api-secret SECRET\n"
         "                          creates a routed session and mints publisher tokens\n"
         "  --session ID --token T  use this session and token instead (role publisher)\n"
         "  --janus WSURL           the same load on a Janus videoroom (ws://host:8188)\n"
         "  --janus-room N          its room (default 1234)\n"
         "  --server-pid PID        report this process's CPU and RSS (same machine)\n"
         "Load:\n"
         "  --publishers N          publishing connections (default 1)\n"
         "  --subscribers N         subscribing connections (default 10); each subscribes to\n"
         "                          every publisher, or with --per-publisher to one of them\n"
         "  --per-publisher         spread subscribers over the publishers instead\n"
         "  --video-codec vp8|h264  (default vp8)\n"
         "  --resolution WxH        publisher video size (default 640x480)\n"
         "  --video-bitrate BPS     clip bitrate (default by size, 800 kbit/s at 640x480)\n"
         "  --simulcast             three layers (1/4, 1/2 and full size)\n"
         "  --pacing FACTOR         publishers pace video as browsers do, at FACTOR times the\n"
         "                          clip's bitrate with 40 ms bursts (default 2.5, libwebrtc's);\n"
         "                          0 sends each frame, keyframes too, in one burst\n"
         "  --no-audio, --no-video\n"
         "  --duration SECONDS      measurement time once everyone is connected (default 30)\n"
         "  --settle SECONDS        wait this long after the last subscription receives, before\n"
         "                          measuring (default 2): what the join storm left queued in the\n"
         "                          server is not measured as its latency\n"
         "  --ramp PER_SECOND       connections started per second (default 20)\n"
         "  --connect-timeout S     give up on connections not up after this (default 60)\n"
         "  --threads N             media threads of the load tool (default 1)\n"
         "  --subscriber-setup active|passive\n"
         "                          DTLS role subscribers answer with (default active: they\n"
         "                          connect, as browsers do with OpenTok)\n"
         "  --connection-events     clients ask for every other client's connection events, as\n"
         "                          OpenTok.js does by default (N joins: N^2 messages); without\n"
         "                          it they suppress them, as large sessions do\n"
         "  --busy-poll             media threads spin instead of sleeping: on loopback the\n"
         "                          server's kernel time includes waking a sleeping receiver,\n"
         "                          which remote clients never cost it (each thread: a core)\n"
         "  --local-ip IP           address the clients' sockets bind (default 127.0.0.1)\n"
         "  --clips DIR             where the clips are kept (default ~/.cache/parley/clips)\n"
         "Output:\n"
         "  --json FILE             also write the report as JSON (- for stdout)\n"
         "\n"
         "The report: docs/performance.md, \"parley load\".\n";
}

std::string LoadOptions::defaultClipsDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/parley/clips";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/parley/clips";
  return "/tmp/parley-clips";
}

namespace {

bool number(const std::string& text, double min, double max, double& out) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= min && v <= max)) return false;
  out = v;
  return true;
}

}  // namespace

std::optional<LoadOptions> LoadOptions::parse(int argc, char** argv, std::string* error) {
  LoadOptions o;
  o.clipsDir = defaultClipsDir();
  auto bad = [&](const std::string& why) -> std::optional<LoadOptions> {
    if (error) *error = why;
    return std::nullopt;
  };
  auto whole = [&](const std::string& text, double min, double max, auto& out) {
    double v;
    if (!number(text, min, max, v) || v != static_cast<double>(static_cast<long long>(v)))
      return false;
    out = static_cast<std::remove_reference_t<decltype(out)>>(v);
    return true;
  };
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--per-publisher") {
      o.perPublisher = true;
      continue;
    }
    if (arg == "--connection-events") {
      o.connectionEvents = true;
      continue;
    }
    if (arg == "--busy-poll") {
      o.busyPoll = true;
      continue;
    }
    if (arg == "--simulcast") {
      o.simulcast = true;
      continue;
    }
    if (arg == "--no-audio") {
      o.audio = false;
      continue;
    }
    if (arg == "--no-video") {
      o.video = false;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return bad("unexpected argument " + arg);
    if (i + 1 >= argc) return bad(arg + " needs a value");
    std::string v = argv[++i];
    double d = 0;
    if (arg == "--url") {
      o.url = v;
      while (!o.url.empty() && o.url.back() == '/') o.url.pop_back();
    } else if (arg == "--api-key") {
      o.apiKey = v;
    } else if (arg == "--api-secret") {
      o.apiSecret = v;
    } else if (arg == "--session") {
      o.sessionId = v;
    } else if (arg == "--token") {
      o.token = v;
    } else if (arg == "--janus") {
      if (v.rfind("ws://", 0) != 0) return bad("--janus is a ws:// URL");
      o.janusUrl = v;
    } else if (arg == "--janus-room") {
      if (!whole(v, 1, 9e15, o.janusRoom)) return bad("--janus-room is a room number");
    } else if (arg == "--server-pid") {
      int pid = 0;
      if (!whole(v, 1, 4194304, pid)) return bad("--server-pid is a process id");
      o.serverPid = pid;
    } else if (arg == "--publishers") {
      if (!whole(v, 0, 1000, o.publishers)) return bad("--publishers is 0 to 1000");
    } else if (arg == "--subscribers") {
      if (!whole(v, 0, 20000, o.subscribers)) return bad("--subscribers is 0 to 20000");
    } else if (arg == "--video-codec") {
      auto c = clipCodecNamed(v);
      if (!c || *c == ClipCodec::Opus) return bad("--video-codec is vp8 or h264");
      o.videoCodec = *c;
    } else if (arg == "--resolution") {
      auto x = v.find('x');
      uint16_t w = 0, h = 0;
      if (x == std::string::npos || !whole(v.substr(0, x), 64, 3840, w) ||
          !whole(v.substr(x + 1), 64, 2160, h) || w % 4 || h % 4)
        return bad("--resolution is WxH, multiples of 4 up to 3840x2160");
      o.width = w;
      o.height = h;
    } else if (arg == "--video-bitrate") {
      if (!whole(v, 50000, 20000000, o.videoBitrate))
        return bad("--video-bitrate is 50000 to 20000000 bit/s");
    } else if (arg == "--pacing") {
      if (!number(v, 0, 100, d) || (d > 0 && d < 1))
        return bad("--pacing is 0 (off) or 1 to 100 times the clip's bitrate");
      o.pacing = d;
    } else if (arg == "--duration") {
      if (!number(v, 1, 86400, d)) return bad("--duration is 1 to 86400 seconds");
      o.durationSeconds = d;
    } else if (arg == "--settle") {
      if (!number(v, 0, 600, d)) return bad("--settle is 0 to 600 seconds");
      o.settleSeconds = d;
    } else if (arg == "--ramp") {
      if (!number(v, 0.1, 10000, d)) return bad("--ramp is 0.1 to 10000 per second");
      o.rampPerSecond = d;
    } else if (arg == "--connect-timeout") {
      if (!number(v, 1, 3600, d)) return bad("--connect-timeout is 1 to 3600 seconds");
      o.connectTimeoutSeconds = d;
    } else if (arg == "--threads") {
      if (!whole(v, 1, 64, o.threads)) return bad("--threads is 1 to 64");
    } else if (arg == "--subscriber-setup") {
      if (v != "active" && v != "passive") return bad("--subscriber-setup is active or passive");
      o.subscriberDtlsServer = v == "passive";
    } else if (arg == "--local-ip") {
      o.localIp = v;
    } else if (arg == "--clips") {
      o.clipsDir = v;
    } else if (arg == "--json") {
      o.jsonPath = v;
    } else {
      return bad("unknown option " + arg);
    }
  }
  if (o.janusUrl.empty()) {
    if (o.sessionId.empty() != o.token.empty()) return bad("--session and --token go together");
    if (o.token.empty() && (o.apiKey.empty() || o.apiSecret.empty()))
      return bad("give --api-key and --api-secret (or --session and --token)");
    if (!o.token.empty() && o.apiKey.empty())
      return bad("--token needs --api-key (the session URI names the project)");
  }
  if (!o.video && !o.audio) return bad("--no-audio and --no-video leave nothing to send");
  if (o.perPublisher && o.publishers == 0) return bad("--per-publisher needs publishers");
  return o;
}

}  // namespace parley::load
