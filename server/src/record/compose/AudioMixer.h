#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <vector>

namespace parley::record::compose {

// Mixes the decoded audio of a composition's streams (48 kHz stereo, interleaved) on one
// timeline counted in samples. Each source's samples are placed where its clock says; small
// differences (under kSlackSamples) are absorbed by playing the source's samples back to back,
// larger gaps are filled with silence and overlaps dropped, so a source's drift never builds
// up. The sum is soft-limited so that loud voices together never clip.
class AudioMixer {
 public:
  static constexpr int kSampleRate = 48000;
  static constexpr std::int64_t kSlackSamples = 960;             // 20 ms
  static constexpr std::size_t kMaxBufferedSamples = 2 * 48000;  // per source: 2 s

  void removeSource(std::uint64_t source) { sources_.erase(source); }
  // `stereo` holds pairs; `position` is the first pair's place on the timeline.
  void place(std::uint64_t source, std::int64_t position, std::span<const float> stereo);
  // Appends the mix of [cursor, until) to `out` and moves the cursor there.
  void mix(std::int64_t until, std::vector<float>& out);

  std::int64_t cursor() const { return cursor_; }
  std::size_t sources() const { return sources_.size(); }

  // The limiter: the identity up to 0.8, then bending smoothly towards ±1.
  static float limit(float sample);

 private:
  struct Source {
    std::int64_t start = 0;     // the timeline position of samples.front()'s pair
    std::deque<float> samples;  // interleaved pairs
    std::int64_t end() const { return start + static_cast<std::int64_t>(samples.size() / 2); }
  };
  std::map<std::uint64_t, Source> sources_;
  std::int64_t cursor_ = 0;
};

}  // namespace parley::record::compose
