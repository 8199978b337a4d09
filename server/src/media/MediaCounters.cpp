#include "media/MediaCounters.h"

#include <string>

namespace parley::media {

MediaCounters MediaCounters::forWorker(unsigned index) {
  auto& m = obs::Metrics::instance();
  const std::string l = "worker=\"" + std::to_string(index) + "\"";
  return MediaCounters{
      m.counter("parley_media_rtp_received_total", "RTP packets received from publishers", l),
      m.counter("parley_media_rtp_forwarded_total", "RTP packets forwarded to subscribers", l),
      m.counter("parley_media_nacks_sent_total",
                "Sequence numbers the SFU NACKed towards publishers", l),
      m.counter("parley_media_nacks_received_total", "Sequence numbers subscribers NACKed", l),
      m.counter("parley_media_retransmissions_total",
                "Packets resent to subscribers from the SFU's buffer", l),
      m.counter("parley_media_keyframe_requests_total", "PLI/FIR sent to publishers", l),
      m.counter("parley_media_datagrams_received_total", "UDP datagrams received by media workers",
                l),
      m.counter("parley_media_datagrams_dropped_total",
                "Datagrams from unknown addresses or unparseable", l),
      m.counter("parley_media_datagrams_sent_total", "UDP datagrams sent by media workers", l),
      m.counter("parley_media_send_messages_total",
                "Send messages carrying them (a UDP GSO message carries several)", l),
      m.counter("parley_media_node_pipe_sent_total",
                "Packets sent over pipes to other nodes (each stream once per node)", l),
      m.counter("parley_media_node_pipe_received_total", "Packets taken from pipes of other nodes",
                l),
  };
}

}  // namespace parley::media
