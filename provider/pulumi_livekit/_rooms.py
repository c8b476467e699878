"""LiveKit's RoomService: what `livekit-routes call` needs to make, find and remove the room of a test call."""

from __future__ import annotations

from typing import Optional

from livekit.protocol import models as models_pb
from livekit.protocol import room as room_pb

from ._client import SIPClient
from ._exceptions import NotFoundError

ROOM_SERVICE = "livekit.RoomService"


class RoomClient(SIPClient):
    """RoomService calls over the SIP client's Twirp transport, token, retries and deadline.

    It inherits the SIP calls too: the transport is not yet a layer of its own."""

    service = ROOM_SERVICE
    # CreateRoom and DeleteRoom need roomCreate, ListRooms roomList; no room's admin rights.
    grants = {"video": {"roomCreate": True, "roomList": True}}

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
