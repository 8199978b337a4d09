#include "load/ClipMaker.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace parley::load {

namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string kilobits(uint32_t bitrate) {
  if (bitrate % 1000 == 0) return std::to_string(bitrate / 1000) + "k";
  return std::to_string(bitrate) + "bps";
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// The last lines of a log, for an error message.
std::string tail(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::string all = text.str();
  while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
  if (all.size() > 400) all = "..." + all.substr(all.size() - 400);
  return all;
}

}  // namespace

std::optional<ClipSpec> ClipMaker::resolve(const ClipSpec& spec, std::string* error) {
  ClipSpec r = spec;
  if (!(r.seconds > 0 && r.seconds <= 3600)) {
    fail(error, "clip length must be between 0 and 3600 seconds");
    return std::nullopt;
  }
  if (r.codec == ClipCodec::Opus) {
    r.width = r.height = 0;
    r.frameRate = 50;  // 20 ms packets
    if (r.bitrate == 0) r.bitrate = 32000;
    if (r.bitrate < 6000 || r.bitrate > 510000) {
      fail(error, "Opus bitrate must be between 6 and 510 kbit/s");
      return std::nullopt;
    }
    return r;
  }
  if (r.width == 0 && r.height == 0) {
    r.width = 640;
    r.height = 480;
  }
  if (r.width < 16 || r.height < 16 || r.width > 4096 || r.height > 4096 || r.width % 2 ||
      r.height % 2) {
    fail(error, "picture size must be even and between 16 and 4096 pixels a side");
    return std::nullopt;
  }
  if (r.keyframeInterval < 1 || r.keyframeInterval > 100000) {
    fail(error, "keyframe interval must be between 1 and 100000 frames");
    return std::nullopt;
  }
  if (!(r.frameRate >= 1 && r.frameRate <= 120)) {
    fail(error, "frame rate must be between 1 and 120");
    return std::nullopt;
  }
  if (r.bitrate == 0) {
    const uint32_t pixels = uint32_t{r.width} * r.height;
    r.bitrate = pixels <= 320 * 240    ? 200000
                : pixels <= 640 * 480  ? 800000
                : pixels <= 1280 * 720 ? 2000000
                                       : 4000000;
  }
  if (r.bitrate < 10000 || r.bitrate > 50000000) {
    fail(error, "video bitrate must be between 10 kbit/s and 50 Mbit/s");
    return std::nullopt;
  }
  return r;
}

std::string ClipMaker::fileName(const ClipSpec& spec) {
  const ClipSpec r = resolve(spec, nullptr).value_or(spec);
  const std::string seconds = number(r.seconds) + "s";
  if (r.codec == ClipCodec::Opus) return "opus-" + kilobits(r.bitrate) + "-" + seconds + ".ogg";
  return std::string(clipCodecName(r.codec)) + "-" + std::to_string(r.width) + "x" +
         std::to_string(r.height) + "-" + kilobits(r.bitrate) + "-" + number(r.frameRate) + "fps-" +
         seconds + "-k" + std::to_string(r.keyframeInterval) +
         (r.codec == ClipCodec::Vp8 ? ".ivf" : ".h264");
}

std::vector<std::string> ClipMaker::ffmpegArguments(const ClipSpec& spec,
                                                    const std::string& output) {
  std::vector<std::string> a = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel",
                                "error",  "-f",       "lavfi"};
  if (spec.codec == ClipCodec::Opus) {
    a.insert(a.end(), {"-i", "sine=frequency=440:sample_rate=48000", "-t", number(spec.seconds),
                       "-c:a", "libopus", "-b:a", std::to_string(spec.bitrate), "-frame_duration",
                       "20", "-application", "voip", "-ac", "2", "-vn", "-f", "ogg"});
  } else {
    a.insert(a.end(),
             {"-i",
              "testsrc2=size=" + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                  ":rate=" + number(spec.frameRate),
              "-t", number(spec.seconds), "-pix_fmt", "yuv420p", "-b:v",
              std::to_string(spec.bitrate), "-g", std::to_string(spec.keyframeInterval), "-an"});
    if (spec.codec == ClipCodec::Vp8) {
      a.insert(a.end(),
               {"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-auto-alt-ref", "0",
                "-lag-in-frames", "0", "-error-resilient", "1", "-f", "ivf"});
    } else {
      // x264 has no "constrained_baseline" profile name; baseline without B-frames is it.
      a.insert(a.end(), {"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
                         "-profile:v", "baseline", "-bf", "0", "-x264-params",
                         "aud=1:repeat-headers=1:scenecut=0", "-f", "h264"});
    }
  }
  a.insert(a.end(), {"-y", output});
  return a;
}

std::optional<std::string> ClipMaker::ensure(const std::string& dir, const ClipSpec& spec,
                                             std::string* error) {
  const auto resolved = resolve(spec, error);
  if (!resolved) return std::nullopt;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    fail(error, "cannot create " + dir + ": " + ec.message());
    return std::nullopt;
  }
  const std::string name = fileName(*resolved);
  const std::string path = (fs::path(dir) / name).string();
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) > 0 && !ec) return path;

  // A name no other process or thread uses, in the same directory (rename stays atomic).
  static std::atomic<unsigned> counter{0};
  const std::string unique =
      std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  const std::string temporary = (fs::path(dir) / ("." + name + ".part-" + unique)).string();
  const std::string log = (fs::path(dir) / ("." + name + ".log-" + unique)).string();

  const std::vector<std::string> args = ffmpegArguments(*resolved, temporary);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "ffmpeg", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    fs::remove(log, ec);
    fail(error, std::string("cannot run ffmpeg: ") + std::strerror(spawned));
    return std::nullopt;
  }
  int status = -1;  // neither exited nor signalled, should waitpid fail
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool succeeded = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                         fs::is_regular_file(temporary, ec) && fs::file_size(temporary, ec) > 0;
  if (!succeeded) {
    fs::remove(temporary, ec);
    const std::string kept = (fs::path(dir) / (name + ".log")).string();
    fs::rename(log, kept, ec);
    std::string message = "ffmpeg failed making " + name;
    if (WIFEXITED(status)) message += " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    if (WIFSIGNALED(status)) message += " (signal " + std::to_string(WTERMSIG(status)) + ")";
    const std::string output = tail(kept);
    if (!output.empty()) message += ": " + output;
    fail(error, message + " [log: " + kept + "]");
    return std::nullopt;
  }
  fs::remove(log, ec);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    fs::remove(temporary, ec);
    fail(error, "cannot rename " + temporary + ": " + std::strerror(saved));
    return std::nullopt;
  }
  return path;
}

}  // namespace parley::load
