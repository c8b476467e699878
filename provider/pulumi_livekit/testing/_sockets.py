"""The sockets a process (and its children) listens on, read from /proc: which addresses the test bed exposes.

A TCP socket listens in state LISTEN; a UDP socket receives from anyone once it is bound and not
connected (what `ss -l` shows for either). Linux only.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from ._processes import descendants

_TCP_LISTEN, _UDP_UNCONNECTED = "0A", "07"
_TABLES = {"tcp": _TCP_LISTEN, "tcp6": _TCP_LISTEN, "udp": _UDP_UNCONNECTED, "udp6": _UDP_UNCONNECTED}


@dataclass(frozen=True)
class Listener:
    protocol: str  # tcp, tcp6, udp or udp6
    address: Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
    port: int
    pid: int
    command: str

    @property
    def loopback(self) -> bool:
        return self.address.is_loopback

    def __str__(self) -> str:
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.command} (pid {self.pid}) on {self.protocol} {host}:{self.port}"


def listening_sockets(pids: Iterable[int]) -> list[Listener]:
    """Every socket that the processes `pids`, or any process they started, listen on."""
    processes = set(pids).union(*(descendants(pid) for pid in pids))
    owners = {inode: pid for pid in processes for inode in _socket_inodes(pid)}
    found = []
    for protocol, listening in _TABLES.items():
        for line in _table_lines(protocol):
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state == listening and inode in owners:
                address, port = _address(local)
                found.append(Listener(protocol, address, port, owners[inode], _command(owners[inode])))
    return found


def _table_lines(protocol: str) -> list[str]:
    try:
        return Path(f"/proc/net/{protocol}").read_text().splitlines()[1:]
    except FileNotFoundError:  # no IPv6 on this machine
        return []


def _address(field: str) -> tuple[Union[ipaddress.IPv4Address, ipaddress.IPv6Address], int]:
    """/proc/net's `HEX_ADDRESS:HEX_PORT`: the address printed 32 bits at a time as numbers in this machine's
    byte order."""
    hex_address, hex_port = field.split(":")
    words = [int(hex_address[i:i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, len(hex_address), 8)]
    return ipaddress.ip_address(b"".join(words)), int(hex_port, 16)


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        entries = os.listdir(f"/proc/{pid}/fd")
    except OSError:  # ended meanwhile
        return inodes
    for entry in entries:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{entry}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    return inodes


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"
