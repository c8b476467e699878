"""LiveKit's RoomService: what `livekit-routes call` needs to make, find and remove the room of a test call."""

from __future__ import annotations

from typing import Optional

from livekit.protocol import models as models_pb
from livekit.protocol import room as room_pb

from .._exceptions import NotFoundError
from .service import ServiceClient

ROOM_SERVICE = "livekit.RoomService"
# CreateRoom and DeleteRoom need roomCreate, ListRooms roomList; no room's admin rights.
ROOM_GRANTS = {"video": {"roomCreate": True, "roomList": True}}


class RoomClient(ServiceClient):
    """RoomService calls over the same transport, retries and deadline as the SIP client's: every call used here is
    safe to repeat."""

    service = ROOM_SERVICE
    grants = ROOM_GRANTS

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
