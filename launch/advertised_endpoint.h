// Which endpoint a server of the run (the coordinator, a parameter server
// shard) tells its peers to connect to, given where it is bound. A bind to
// one address or interface (tcp://10.0.0.5:0, tcp://eth0:0; ZeroMQ reports
// the address) is advertised as bound. A wildcard bind (tcp://*:0, which
// ZeroMQ reports as tcp://0.0.0.0:PORT) is advertised as, in order: the
// --advertise host when given; the host name when it resolves to an address
// beyond loopback (a cluster's DNS); the address of the interface that holds
// the default route (the cluster network, not a storage or management
// interface that happens to come first); the first interface beyond
// loopback; the host name (a host with loopback only: a one-host run).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace getps::cli {

// What the host knows of its own addresses (IPv4, dotted).
struct HostAddresses {
  std::string hostname;
  std::vector<std::string> hostname_addresses;                  // what the host name resolves to
  std::string default_route_interface;                          // e.g. "eth0"; empty: none
  std::vector<std::pair<std::string, std::string>> interfaces;  // (name, address), in order
};

// This host's, from gethostname, getaddrinfo, /proc/net/route and
// getifaddrs. Never throws: what cannot be read is left empty.
HostAddresses ReadHostAddresses();

struct Advertised {
  std::string endpoint;  // tcp://HOST:PORT
  std::string why;       // for the log, e.g. "the default route's interface eth0"
};

// `bound`: the endpoint as the socket reports it (tcp://ADDR:PORT);
// `advertise`: --advertise, or empty.
Advertised AdvertisedEndpoint(const std::string& bound, const std::string& advertise,
                              const HostAddresses& host);

// Where a parameter server shard binds, given the coordinator's --bind: on
// an ephemeral port, loopback when the coordinator's bind is loopback (one
// host); the same interface when it names one (tcp://eth1:0: a cluster's
// hosts name their fabric alike); else every interface (an address of the
// coordinator's host means nothing on a shard's).
std::string ShardBind(const std::string& coordinator_bind);

}  // namespace getps::cli
