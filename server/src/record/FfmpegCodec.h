#pragma once

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "record/TrackFormat.h"

namespace parley::record {

// libavcodec's id for a codec the recorder handles.
inline AVCodecID ffmpegCodecId(TrackFormat::Codec codec) {
  switch (codec) {
    case TrackFormat::Codec::Vp8:
      return AV_CODEC_ID_VP8;
    case TrackFormat::Codec::Vp9:
      return AV_CODEC_ID_VP9;
    case TrackFormat::Codec::H264:
      return AV_CODEC_ID_H264;
    case TrackFormat::Codec::Opus:
      return AV_CODEC_ID_OPUS;
  }
  return AV_CODEC_ID_NONE;
}

}  // namespace parley::record
