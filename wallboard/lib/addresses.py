"""``host:port`` addresses and peer allow lists, as a supervisor types them in the admin."""

from __future__ import annotations

import ipaddress


class AddressError(ValueError):
    pass


def parse_address(text: str, *, default_host: str = "0.0.0.0") -> tuple[str, int]:
    """'10.0.0.7:15373', '[::1]:7001', ':7001' or '7001' -> (host, port)."""
    text = text.strip()
    if not text:
        raise AddressError("the address is empty")
    if text.isascii() and text.isdigit():
        host, port_text = default_host, text
    elif text.startswith("["):
        host, sep, port_text = text[1:].partition("]:")
        if not sep:
            raise AddressError(f"'{text}': write an IPv6 address as [addr]:port")
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise AddressError(f"'{text}': give host:port, e.g. 0.0.0.0:7001")
        host = host or default_host
        if ":" in host:
            raise AddressError(f"'{text}': write an IPv6 address as [addr]:port")
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise AddressError(f"'{text}': the port must be a number from 1 to 65535")
    return host, int(port_text)


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_peers(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Allowed peer addresses: IPs or CIDR networks, comma or space separated; blank = anyone."""
    networks = []
    for part in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise AddressError(f"'{part}' is not an IP address or network") from exc
    return networks


def peer_allowed(
    peer_ip: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(peer_ip.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)
