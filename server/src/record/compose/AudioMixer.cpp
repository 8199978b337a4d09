#include "record/compose/AudioMixer.h"

#include <algorithm>
#include <cmath>

namespace parley::record::compose {

float AudioMixer::limit(float sample) {
  constexpr float kKnee = 0.8f;
  const float magnitude = std::abs(sample);
  if (magnitude <= kKnee) return sample;
  const float bent = kKnee + (1.0f - kKnee) * std::tanh((magnitude - kKnee) / (1.0f - kKnee));
  return sample < 0 ? -bent : bent;
}

void AudioMixer::place(std::uint64_t source, std::int64_t position, std::span<const float> stereo) {
  const auto pairs = static_cast<std::int64_t>(stereo.size() / 2);
  if (pairs == 0) return;
  auto [it, fresh] = sources_.try_emplace(source);
  Source& s = it->second;
  // A gap longer than the buffer holds would only be queued to be trimmed away: start over.
  if (fresh || s.samples.empty() ||
      position - s.end() > static_cast<std::int64_t>(kMaxBufferedSamples)) {
    s.samples.clear();
    s.start = position;
  } else if (position > s.end() + kSlackSamples) {
    s.samples.insert(s.samples.end(), static_cast<std::size_t>(position - s.end()) * 2, 0.0f);
  } else if (position + pairs <= s.end() - kSlackSamples) {
    return;  // wholly behind what is there: a duplicate or a clock that jumped back
  } else if (position < s.end() - kSlackSamples) {
    const auto overlap = s.end() - position;
    if (overlap >= pairs) return;  // nothing new in it
    stereo = stereo.subspan(static_cast<std::size_t>(overlap) * 2);
  }
  s.samples.insert(s.samples.end(), stereo.begin(), stereo.end());
  // Samples the mix has passed are of no use.
  if (s.start < cursor_) {
    const auto stale =
        std::min<std::int64_t>(cursor_ - s.start, static_cast<std::int64_t>(s.samples.size() / 2));
    s.samples.erase(s.samples.begin(), s.samples.begin() + stale * 2);
    s.start += stale;
  }
  if (s.samples.size() / 2 > kMaxBufferedSamples) {
    const std::size_t extra = s.samples.size() / 2 - kMaxBufferedSamples;
    s.samples.erase(s.samples.begin(), s.samples.begin() + static_cast<std::ptrdiff_t>(extra) * 2);
    s.start += static_cast<std::int64_t>(extra);
  }
}

void AudioMixer::mix(std::int64_t until, std::vector<float>& out) {
  if (until <= cursor_) return;
  const std::size_t base = out.size();
  const auto count = static_cast<std::size_t>(until - cursor_);
  out.resize(base + count * 2, 0.0f);
  for (auto& [id, s] : sources_) {
    // Samples before the cursor were late: dropped.
    if (s.start < cursor_) {
      const auto stale = std::min<std::int64_t>(cursor_ - s.start,
                                                static_cast<std::int64_t>(s.samples.size() / 2));
      s.samples.erase(s.samples.begin(), s.samples.begin() + stale * 2);
      s.start += stale;
    }
    if (s.samples.empty() || s.start >= until) continue;
    const auto offset = static_cast<std::size_t>(s.start - cursor_);
    const std::size_t take = std::min(count - offset, s.samples.size() / 2);
    for (std::size_t i = 0; i < take * 2; ++i) out[base + offset * 2 + i] += s.samples[i];
    s.samples.erase(s.samples.begin(), s.samples.begin() + static_cast<std::ptrdiff_t>(take) * 2);
    s.start += static_cast<std::int64_t>(take);
  }
  for (std::size_t i = base; i < out.size(); ++i) out[i] = limit(out[i]);
  cursor_ = until;
}

}  // namespace parley::record::compose
