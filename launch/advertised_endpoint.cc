#include "launch/advertised_endpoint.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/host_name.h"

namespace getps::cli {
namespace {

bool Loopback(const std::string& address) { return address.rfind("127.", 0) == 0; }

std::string Dotted(const sockaddr* a) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, text, sizeof text);
  return text;
}

std::vector<std::string> Resolve(const std::string& name) {
  std::vector<std::string> out;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return out;
  for (const addrinfo* a = found; a; a = a->ai_next) out.push_back(Dotted(a->ai_addr));
  freeaddrinfo(found);
  return out;
}

// /proc/net/route: "Iface Destination Gateway ..." in hex; 00000000 is the default.
std::string DefaultRouteInterface() {
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iface, destination;
    if (fields >> iface >> destination && destination == "00000000") return iface;
  }
  return "";
}

}  // namespace

HostAddresses ReadHostAddresses() {
  HostAddresses h;
  h.hostname = HostName();
  if (!h.hostname.empty()) h.hostname_addresses = Resolve(h.hostname);
  h.default_route_interface = DefaultRouteInterface();
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) return h;
  for (const ifaddrs* i = all; i; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
      h.interfaces.emplace_back(i->ifa_name, Dotted(i->ifa_addr));
  freeifaddrs(all);
  return h;
}

Advertised AdvertisedEndpoint(const std::string& bound, const std::string& advertise,
                              const HostAddresses& host) {
  const std::string wildcard = "tcp://0.0.0.0:";
  if (bound.rfind(wildcard, 0) != 0) return {bound, "the address it is bound to"};
  const std::string port = bound.substr(wildcard.size());
  auto at = [&](const std::string& h, std::string why) -> Advertised {
    return {"tcp://" + h + ":" + port, std::move(why)};
  };
  if (!advertise.empty()) return at(advertise, "--advertise");
  const auto& names = host.hostname_addresses;
  if (!host.hostname.empty() &&
      std::any_of(names.begin(), names.end(), [](const auto& a) { return !Loopback(a); }))
    return at(host.hostname, "the host name");
  const std::string loopback_name = "the host name " + host.hostname + " resolves to loopback only";
  for (const auto& [iface, address] : host.interfaces)
    if (iface == host.default_route_interface && !Loopback(address))
      return at(address, "the default route's interface " + iface + " (" + loopback_name + ")");
  for (const auto& [iface, address] : host.interfaces)
    if (!Loopback(address))
      return at(address, "the first interface beyond loopback, " + iface + " (" + loopback_name +
                             ", no default route)");
  return at(host.hostname.empty() ? "127.0.0.1" : host.hostname, "loopback only: one host");
}

std::string ShardBind(const std::string& coordinator_bind) {
  std::string host = coordinator_bind;
  if (host.rfind("tcp://", 0) == 0) host = host.substr(6);
  host = host.substr(0, host.rfind(':'));
  if (host == "127.0.0.1" || host == "localhost") return "tcp://127.0.0.1:0";
  in_addr address{};
  if (host.empty() || host == "*" || inet_pton(AF_INET, host.c_str(), &address) == 1)
    return "tcp://*:0";
  return "tcp://" + host + ":0";  // an interface: ZeroMQ binds no host names
}

}  // namespace getps::cli
