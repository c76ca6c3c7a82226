"""host:port addresses and peer allow lists, as typed in the admin."""

from __future__ import annotations

import ipaddress

import pytest

from wallboard.lib.addresses import (
    AddressError,
    format_address,
    parse_address,
    parse_peers,
    peer_allowed,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.7:15373", ("10.0.0.7", 15373)),
        ("  10.0.0.7:15373  ", ("10.0.0.7", 15373)),
        ("pbx-1.example.com:15373", ("pbx-1.example.com", 15373)),
        ("[::1]:7001", ("::1", 7001)),
        ("[fe80::1%eth0]:7001", ("fe80::1%eth0", 7001)),
        (":7001", ("0.0.0.0", 7001)),
        ("7001", ("0.0.0.0", 7001)),
        ("0.0.0.0:1", ("0.0.0.0", 1)),
        ("127.0.0.1:65535", ("127.0.0.1", 65535)),
    ],
)
def test_it_reads_the_address_forms_a_supervisor_types(text: str, expected: tuple) -> None:
    assert parse_address(text) == expected


def test_a_bare_port_or_a_missing_host_takes_the_default_host() -> None:
    assert parse_address("7001", default_host="127.0.0.1") == ("127.0.0.1", 7001)
    assert parse_address(":7001", default_host="127.0.0.1") == ("127.0.0.1", 7001)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_address_is_refused(text: str) -> None:
    with pytest.raises(AddressError, match="empty"):
        parse_address(text)


@pytest.mark.parametrize(
    "text",
    ["10.0.0.7:0", "10.0.0.7:65536", "70000", "0", ":0", "10.0.0.7:", "10.0.0.7:http",
     "10.0.0.7:-1", "[::1]:", "[::1]:99999", "10.0.0.7:70 01"],
)  # fmt: skip
def test_a_bad_port_is_refused_naming_the_address(text: str) -> None:
    with pytest.raises(AddressError) as exc:
        parse_address(text)
    assert f"'{text.strip()}'" in str(exc.value)
    assert "port must be a number from 1 to 65535" in str(exc.value)


@pytest.mark.parametrize("text", ["10.0.0.7", "pbx.example.com", "localhost"])
def test_an_address_without_a_port_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(AddressError) as exc:
        parse_address(text)
    assert f"'{text}'" in str(exc.value)
    assert "host:port" in str(exc.value)


@pytest.mark.parametrize("text", ["::1:7001", "fe80::1:7001", "[::1]", "[::1]7001"])
def test_an_ipv6_address_without_brackets_is_refused_saying_how_to_write_it(text: str) -> None:
    with pytest.raises(AddressError) as exc:
        parse_address(text)
    assert "[addr]:port" in str(exc.value)


def test_an_address_error_is_a_value_error() -> None:
    assert issubclass(AddressError, ValueError)


def test_format_address_puts_ipv6_in_brackets_and_reads_back() -> None:
    assert format_address("10.0.0.7", 15373) == "10.0.0.7:15373"
    assert format_address("::1", 7001) == "[::1]:7001"
    for host, port in (("10.0.0.7", 15373), ("::1", 7001), ("pbx.example.com", 1)):
        assert parse_address(format_address(host, port)) == (host, port)


@pytest.mark.parametrize("text", ["10.0.0.7:²", "²", ":7001²", "７００１", "10.0.0.7:７００１"])
def test_a_port_in_digits_other_than_ascii_is_refused_as_an_address_error(text: str) -> None:
    # str.isdigit() accepts these but int() refuses some: never a bare ValueError.
    with pytest.raises(AddressError):
        parse_address(text)


def test_a_blank_peer_list_is_empty_and_allows_anyone() -> None:
    assert parse_peers("") == []
    assert parse_peers("  ,  ") == []
    for peer in ("10.0.0.5", "192.168.1.1", "::1", "::ffff:10.0.0.5"):
        assert peer_allowed(peer, [])


def test_it_reads_addresses_and_networks_separated_by_commas_or_spaces() -> None:
    networks = parse_peers("10.0.0.5, 10.1.0.0/16  2001:db8::/32,::1")
    assert networks == [
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("10.1.0.0/16"),
        ipaddress.ip_network("2001:db8::/32"),
        ipaddress.ip_network("::1/128"),
    ]


def test_a_network_with_host_bits_set_is_taken_as_its_network() -> None:
    assert parse_peers("10.1.2.3/16") == [ipaddress.ip_network("10.1.0.0/16")]


@pytest.mark.parametrize("bad", ["10.0.0.300", "pbx.example.com", "10.0.0.0/33", "10.0.0.5:7001"])
def test_a_peer_that_is_not_an_ip_or_network_is_refused_by_name(bad: str) -> None:
    with pytest.raises(AddressError) as exc:
        parse_peers(f"10.0.0.5, {bad}")
    assert f"'{bad}'" in str(exc.value)


def test_only_peers_inside_the_listed_networks_are_allowed() -> None:
    networks = parse_peers("10.0.0.5, 192.168.10.0/24")
    assert peer_allowed("10.0.0.5", networks)
    assert peer_allowed("192.168.10.200", networks)
    assert not peer_allowed("10.0.0.6", networks)
    assert not peer_allowed("192.168.11.1", networks)


def test_an_ipv4_peer_arriving_on_a_dual_stack_socket_is_matched_as_ipv4() -> None:
    networks = parse_peers("10.0.0.0/24")
    assert peer_allowed("::ffff:10.0.0.5", networks)
    assert not peer_allowed("::ffff:10.0.1.5", networks)


def test_an_ipv6_peer_is_matched_against_ipv6_networks_only() -> None:
    networks = parse_peers("10.0.0.5, 2001:db8::/32")
    assert peer_allowed("2001:db8::7", networks)
    assert not peer_allowed("2001:db9::7", networks)
    assert not peer_allowed("::1", networks)


def test_a_link_local_peer_with_a_zone_is_matched_without_its_zone() -> None:
    assert peer_allowed("fe80::1%eth0", parse_peers("fe80::/10"))


@pytest.mark.parametrize("peer", ["", "not-an-ip", "10.0.0.300"])
def test_a_peer_that_is_not_an_ip_is_refused_when_a_list_is_set(peer: str) -> None:
    assert not peer_allowed(peer, parse_peers("0.0.0.0/0, ::/0"))
