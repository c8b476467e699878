"""LiveKit's RoomService: what `livekit-routes call` needs to make, find and remove the room of a test call."""

from __future__ import annotations

import time
from typing import Optional, TypeVar

from google.protobuf.message import Message
from livekit.protocol import models as models_pb
from livekit.protocol import room as room_pb

from .endpoint import Endpoint
from .._exceptions import NotFoundError
from .retry import Budget, RetryPolicy, configured_deadline, configured_timeout
from .twirp import Twirp, new_request_id

M = TypeVar("M", bound=Message)

ROOM_SERVICE = "livekit.RoomService"
# CreateRoom and DeleteRoom need roomCreate, ListRooms roomList; no room's admin rights.
ROOM_GRANTS = {"video": {"roomCreate": True, "roomList": True}}


class RoomClient:
    """RoomService calls over the same Twirp transport, retries and deadline as the SIP client's."""

    def __init__(self, connection: Endpoint, *, retry: Optional[RetryPolicy] = None,
                 deadline: Optional[float] = None) -> None:
        self.deadline = configured_deadline() if deadline is None else deadline
        self._retry = retry or RetryPolicy()
        self._twirp = Twirp(connection, timeout=configured_timeout(), service=ROOM_SERVICE, grants=ROOM_GRANTS)

    def close(self) -> None:
        self._twirp.close()

    def __enter__(self) -> "RoomClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create_room(self, request: room_pb.CreateRoomRequest) -> models_pb.Room:
        """The server answers with the room of that name that exists already, if one does."""
        return self._call("CreateRoom", request, models_pb.Room)

    def find_room(self, name: str) -> Optional[models_pb.Room]:
        rooms = self._call("ListRooms", room_pb.ListRoomsRequest(names=[name]), room_pb.ListRoomsResponse).rooms
        return next((room for room in rooms if room.name == name), None)

    def delete_room(self, name: str) -> None:
        """Idempotent: a room already gone (a repeat after a lost answer) is not an error."""
        try:
            self._call("DeleteRoom", room_pb.DeleteRoomRequest(room=name), room_pb.DeleteRoomResponse)
        except NotFoundError:
            pass

    def _call(self, method: str, request: Message, response_type: type[M]) -> M:
        """Every RoomService call used here is safe to repeat: retried within one deadline."""
        budget = Budget(self._retry, time.monotonic() + self.deadline)
        request_id = new_request_id()
        return budget.repeat(lambda: self._twirp.call(method, request, response_type, request_id, budget.remaining()),
                             method, lambda last: last.error if last is not None
                             else self._twirp.out_of_time(method, self.deadline))
