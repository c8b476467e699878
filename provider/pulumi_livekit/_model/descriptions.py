"""What every property means, in this project's words: the one source the plugin's schema (and so the TypeScript
and Go SDKs and the hover help of Pulumi YAML), the Python classes' docstrings and the API reference pages read.

Keyed by the protobuf full name of a message (`livekit.RoomConfiguration`), a field (`livekit.RoomConfiguration.agents`)
or an enum (`livekit.SIPTransport`), for everything reachable from the three resources' messages; a connection
setting by its stack config key (`livekit:url`). `[[field_name]]` names a field; each reader spells it as its
language does (`allowedAddresses` in the schema, `allowed_addresses` in Python), with dots between nested ones.
tests/unit/test_descriptions.py fails on a field of the messages left undescribed (a new one in livekit-protocol
among them) and on an entry nothing reads.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

_INDIVIDUAL_ROOM = "[[room_prefix]], then `_`, the caller's number, `_` and a random suffix"

DESCRIPTIONS: dict[str, str] = {
    # ---- Dispatch rules ------------------------------------------------------------------------------------
    "livekit.SIPDispatchRuleInfo":
        "A dispatch rule: which room an inbound call lands in, and which agents join it. It takes the calls of "
        "the trunks it names (of any trunk when it names none), narrowed by the numbers called and calling; "
        "every field updates in place and the rule keeps its ID.",
    "livekit.SIPDispatchRuleInfo.sip_dispatch_rule_id": "The ID LiveKit gave the rule (`SDR_...`).",
    "livekit.SIPDispatchRuleInfo.rule":
        "How the room is chosen: exactly one of [[dispatch_rule_individual]] (a room per caller), "
        "[[dispatch_rule_direct]] (one named room) and [[dispatch_rule_callee]] (a room per number called).",
    "livekit.SIPDispatchRuleInfo.trunk_ids":
        "The inbound trunks whose calls the rule takes. Empty: calls on any trunk, and calls no trunk matched; "
        "a rule that names the call's trunk goes before such a rule.",
    "livekit.SIPDispatchRuleInfo.hide_phone_number":
        "Keep the caller's number out of the room: the participant's identity is a hash of it, its name shows "
        "the last four digits, and the attributes `sip.phoneNumber`, `sip.hostname` and `sip.trunkPhoneNumber` "
        "are left out.",
    "livekit.SIPDispatchRuleInfo.inbound_numbers":
        "Only calls from these numbers, compared exactly as written. Empty: from any number.",
    "livekit.SIPDispatchRuleInfo.numbers":
        "Only calls to these numbers, compared exactly as written. Empty: to any number of the trunks.",
    "livekit.SIPDispatchRuleInfo.name": "A name for people to know the rule by; LiveKit does not act on it.",
    "livekit.SIPDispatchRuleInfo.metadata": "The metadata of every caller's participant the rule creates.",
    "livekit.SIPDispatchRuleInfo.attributes":
        "Attributes given to every caller's participant the rule creates, besides the `sip.*` ones LiveKit sets.",
    "livekit.SIPDispatchRuleInfo.room_preset":
        "LiveKit Cloud: the name of a room configuration preset made in the dashboard, for the rooms calls create.",
    "livekit.SIPDispatchRuleInfo.room_config":
        "The settings of the room a call creates (a room that exists already keeps its own): timeouts, limits, "
        "the agents dispatched to it, its recordings.",
    "livekit.SIPDispatchRuleInfo.krisp_enabled": "Krisp noise cancellation on the caller's audio.",
    "livekit.SIPDispatchRuleInfo.media_encryption":
        "Deprecated: the older spelling of [[media.encryption]], which LiveKit keeps beside it; when both are "
        "given, they must agree. Whether calls use encrypted media (SRTP).",
    "livekit.SIPDispatchRuleInfo.media":
        "The calls' media settings: codecs, encryption, media timeout. Each one set here wins over the trunk's.",
    "livekit.SIPDispatchRule":
        "How a rule chooses the room: exactly one of its three kinds.",
    "livekit.SIPDispatchRule.dispatch_rule_individual": "A room of its own for each caller.",
    "livekit.SIPDispatchRule.dispatch_rule_direct": "Every caller into one room.",
    "livekit.SIPDispatchRule.dispatch_rule_callee": "A room for each number called, shared by its callers.",
    "livekit.SIPDispatchRuleIndividual": f"A room of its own for each caller, named {_INDIVIDUAL_ROOM}.",
    "livekit.SIPDispatchRuleIndividual.room_prefix": "The start of every room's name.",
    "livekit.SIPDispatchRuleIndividual.pin":
        "A PIN callers must key in (then `#`) to be let through; a secret. Empty: no PIN.",
    "livekit.SIPDispatchRuleIndividual.no_randomness":
        "Leave the random suffix out of the room's name, so that calls from one number share a room.",
    "livekit.SIPDispatchRuleDirect": "Every caller into the room [[room_name]].",
    "livekit.SIPDispatchRuleDirect.room_name": "The room every call lands in.",
    "livekit.SIPDispatchRuleDirect.pin":
        "A PIN callers must key in (then `#`) to enter the room; a secret. Empty: no PIN.",
    "livekit.SIPDispatchRuleCallee":
        "A room for each number called, named [[room_prefix]], `_` and the number, shared by everyone who calls it.",
    "livekit.SIPDispatchRuleCallee.room_prefix": "The start of every room's name.",
    "livekit.SIPDispatchRuleCallee.pin":
        "A PIN callers must key in (then `#`) to be let through; a secret. Empty: no PIN.",
    "livekit.SIPDispatchRuleCallee.randomize":
        "Add a random suffix to the room's name, so that each call gets a room of its own.",

    # ---- Rooms and agents ----------------------------------------------------------------------------------
    "livekit.RoomConfiguration": "The settings a room is created with.",
    "livekit.RoomConfiguration.name": "The configuration's name, which LiveKit keeps as its ID.",
    "livekit.RoomConfiguration.empty_timeout":
        "Seconds the room stays open while nobody has joined it. 0: LiveKit's default.",
    "livekit.RoomConfiguration.departure_timeout":
        "Seconds the room stays open after the last participant left. 0: LiveKit's default.",
    "livekit.RoomConfiguration.max_participants":
        "The most participants the room admits, agents and egress not counted. 0: no limit.",
    "livekit.RoomConfiguration.metadata": "The room's metadata, which every participant can read.",
    "livekit.RoomConfiguration.egress": "Recordings and streams that start with the room.",
    "livekit.RoomConfiguration.min_playout_delay":
        "The least delay, in milliseconds, subscribers play media with.",
    "livekit.RoomConfiguration.max_playout_delay":
        "The greatest delay, in milliseconds, subscribers play media with.",
    "livekit.RoomConfiguration.sync_streams":
        "Keep each participant's audio and video in step when played with a delay over 200 ms. It stops "
        "subscribers from reusing transceivers, which costs rooms whose subscriptions change often.",
    "livekit.RoomConfiguration.agents": "The agents LiveKit dispatches to the room once it is created.",
    "livekit.RoomConfiguration.tags": "Tags kept with the room, name to value.",
    "livekit.RoomAgentDispatch": "An agent LiveKit dispatches to a room: a job for a worker that serves it.",
    "livekit.RoomAgentDispatch.agent_name":
        "The name the agent's workers register with; only they receive the job.",
    "livekit.RoomAgentDispatch.metadata":
        "Data handed to the agent with the job (`ctx.job.metadata` in LiveKit's Agents SDK).",
    "livekit.RoomAgentDispatch.restart_policy": "LiveKit Cloud: whether a job that fails is started again.",
    "livekit.RoomAgentDispatch.deployment":
        "The deployment the job goes to: workers register under one, and a dispatch that names one reaches only "
        "those.",
    "livekit.RoomAgentDispatch.attributes": "Attributes given to the agent's participant in the room.",
    "livekit.JobRestartPolicy":
        "Whether a failed agent job starts again: `JRP_ON_FAILURE` (the default) restarts it, `JRP_NEVER` does not.",

    # ---- Media ---------------------------------------------------------------------------------------------
    "livekit.SIPMediaConfig":
        "Media settings of calls. A dispatch rule's win over its trunk's, one by one; a rule without codecs "
        "takes the trunk's.",
    "livekit.SIPMediaConfig.only_listed_codecs":
        "Offer [[codecs]] alone; otherwise they are offered besides LiveKit's own.",
    "livekit.SIPMediaConfig.codecs":
        "Codecs to offer besides LiveKit's own (instead of them with [[only_listed_codecs]]).",
    "livekit.SIPMediaConfig.encryption": "Whether calls use encrypted media (SRTP).",
    "livekit.SIPMediaConfig.media_timeout":
        'How long a call may go without media before LiveKit ends it: a duration such as "30s", or a number '
        "of seconds, at most 10 minutes. Unset or 0: LiveKit's default.",
    "livekit.SIPCodec": "An audio codec, by name and clock rate.",
    "livekit.SIPCodec.name":
        "The codec's name as SDP writes it: `PCMU`, `PCMA`, `G722`, `opus`; its rate goes in [[rate]], not here.",
    "livekit.SIPCodec.rate": "Its clock rate in Hz. 0: the codec's usual one.",
    "livekit.SIPMediaEncryption":
        "Encrypted media (SRTP): `SIP_MEDIA_ENCRYPT_DISABLE` never, `SIP_MEDIA_ENCRYPT_ALLOW` when the other side "
        "offers it, `SIP_MEDIA_ENCRYPT_REQUIRE` always (a call without it fails).",

    # ---- Inbound trunks ------------------------------------------------------------------------------------
    "livekit.SIPInboundTrunkInfo":
        "An inbound trunk: the calls LiveKit answers from your SIP provider, by the numbers called, the addresses "
        "and numbers calling, and credentials. It needs [[numbers]], [[allowed_addresses]] or [[auth_username]] "
        "with [[auth_password]]; every field updates in place and the trunk keeps its ID.",
    "livekit.SIPInboundTrunkInfo.sip_trunk_id": "The ID LiveKit gave the trunk (`ST_...`).",
    "livekit.SIPInboundTrunkInfo.name": "A name for people to know the trunk by; LiveKit does not act on it.",
    "livekit.SIPInboundTrunkInfo.metadata": "Data kept with the trunk for your own use; LiveKit does not read it.",
    "livekit.SIPInboundTrunkInfo.numbers":
        "The numbers the trunk answers calls to, compared without their formatting (spaces, dashes, a missing "
        "`+`). Empty: any number no other trunk lists.",
    "livekit.SIPInboundTrunkInfo.allowed_addresses":
        "The IP addresses or CIDR ranges calls may come from. Empty: any.",
    "livekit.SIPInboundTrunkInfo.allowed_numbers": "The numbers calls may come from. Empty: any.",
    "livekit.SIPInboundTrunkInfo.auth_username":
        "The user name your SIP provider's INVITEs must authenticate with (digest authentication). Empty: none.",
    "livekit.SIPInboundTrunkInfo.auth_password": "The password that goes with [[auth_username]]; a secret.",
    "livekit.SIPInboundTrunkInfo.auth_realm":
        "The realm LiveKit's authentication challenge names. Empty: LiveKit's own.",
    "livekit.SIPInboundTrunkInfo.headers":
        "SIP headers LiveKit adds to its answer (200 OK), name to value; not one LiveKit sets itself (`From`, "
        "`Call-ID`, ...).",
    "livekit.SIPInboundTrunkInfo.headers_to_attributes":
        "Headers of the caller's INVITE copied into the caller's participant attributes: header name to "
        "attribute name.",
    "livekit.SIPInboundTrunkInfo.attributes_to_headers":
        "Participant attributes LiveKit sends as SIP headers with BYE and REFER: attribute name to header name.",
    "livekit.SIPInboundTrunkInfo.include_headers":
        "Which headers of the INVITE become `sip.h.<name>` participant attributes without being named in "
        "[[headers_to_attributes]].",
    "livekit.SIPInboundTrunkInfo.ringing_timeout":
        "How long a caller may wait for someone in the room to take the call before LiveKit ends it: a "
        'duration such as "30s", or a number of seconds.',
    "livekit.SIPInboundTrunkInfo.ringing_timeout_status":
        "The SIP status LiveKit ends the call with when [[ringing_timeout]] passes.",
    "livekit.SIPInboundTrunkInfo.max_call_duration":
        'The longest a call may last; LiveKit hangs up then. A duration such as "3600s", or a number of seconds.',
    "livekit.SIPInboundTrunkInfo.krisp_enabled": "Krisp noise cancellation on the caller's audio.",
    "livekit.SIPInboundTrunkInfo.media_encryption":
        "Deprecated: the older spelling of [[media.encryption]], which LiveKit keeps beside it; when both are "
        "given, they must agree. Whether calls use encrypted media (SRTP).",
    "livekit.SIPInboundTrunkInfo.media": "The calls' media settings: codecs, encryption, media timeout.",
    "livekit.SIPHeaderOptions":
        "Which SIP headers become `sip.h.<name>` participant attributes by themselves: `SIP_NO_HEADERS` none, "
        "`SIP_X_HEADERS` those starting with `X-`, `SIP_ALL_HEADERS` all.",
    "livekit.SIPStatusCode": "A SIP response status, by name: `SIP_STATUS_BUSY_HERE` is 486, for one.",

    # ---- Outbound trunks -----------------------------------------------------------------------------------
    "livekit.SIPOutboundTrunkInfo":
        "An outbound trunk: where LiveKit sends the calls it places, and the numbers they come from. Every field "
        "updates in place and the trunk keeps its ID.",
    "livekit.SIPOutboundTrunkInfo.sip_trunk_id": "The ID LiveKit gave the trunk (`ST_...`).",
    "livekit.SIPOutboundTrunkInfo.name": "A name for people to know the trunk by; LiveKit does not act on it.",
    "livekit.SIPOutboundTrunkInfo.metadata": "Data kept with the trunk for your own use; LiveKit does not read it.",
    "livekit.SIPOutboundTrunkInfo.address":
        "Where LiveKit sends its INVITEs: your SIP provider's host name or IP address, with `:port` if not the "
        "usual one. Not a SIP URI: no `sip:`.",
    "livekit.SIPOutboundTrunkInfo.destination_country":
        "The country calls end in, as its two-letter ISO 3166-1 code (`US`, `DE`); LiveKit routes calls by it.",
    "livekit.SIPOutboundTrunkInfo.transport": "How SIP messages travel to [[address]].",
    "livekit.SIPOutboundTrunkInfo.numbers":
        "The numbers calls come from; a call that names none gets one of them at random.",
    "livekit.SIPOutboundTrunkInfo.auth_username":
        "The user name LiveKit authenticates to your SIP provider with. Empty: none.",
    "livekit.SIPOutboundTrunkInfo.auth_password": "The password that goes with [[auth_username]]; a secret.",
    "livekit.SIPOutboundTrunkInfo.headers":
        "SIP headers LiveKit adds to every INVITE it sends, name to value; not one LiveKit sets itself (`From`, "
        "`Call-ID`, ...).",
    "livekit.SIPOutboundTrunkInfo.headers_to_attributes":
        "Headers of the answer (200 OK) copied into the called participant's attributes: header name to "
        "attribute name.",
    "livekit.SIPOutboundTrunkInfo.attributes_to_headers":
        "Participant attributes LiveKit sends as SIP headers with BYE and REFER: attribute name to header name.",
    "livekit.SIPOutboundTrunkInfo.include_headers":
        "Which headers of the answer become `sip.h.<name>` participant attributes without being named in "
        "[[headers_to_attributes]].",
    "livekit.SIPOutboundTrunkInfo.media_encryption":
        "Deprecated: the older spelling of [[media.encryption]], which LiveKit keeps beside it; when both are "
        "given, they must agree. Whether calls use encrypted media (SRTP).",
    "livekit.SIPOutboundTrunkInfo.media": "The calls' media settings: codecs, encryption, media timeout.",
    "livekit.SIPOutboundTrunkInfo.from_host":
        "The host the `From` header of INVITEs names, instead of the project's SIP domain.",
    "livekit.SIPTransport":
        "How SIP messages travel: `SIP_TRANSPORT_AUTO` (LiveKit chooses), `SIP_TRANSPORT_UDP`, `SIP_TRANSPORT_TCP` "
        "or `SIP_TRANSPORT_TLS`.",

    # ---- Egress: what a room records and streams -----------------------------------------------------------
    "livekit.RoomEgress": "Recordings and streams LiveKit starts on its own when the room is created.",
    "livekit.RoomEgress.room": "The whole room, rendered in a layout, to files, streams or images.",
    "livekit.RoomEgress.participant": "Each participant's audio and video together, from when they join.",
    "livekit.RoomEgress.tracks": "Each published track on its own, as published (not transcoded).",
    "livekit.RoomCompositeEgressRequest": "A recording or stream of the whole room, rendered in a layout.",
    "livekit.RoomCompositeEgressRequest.room_name":
        "The room recorded. Empty in a room configuration: the room being created.",
    "livekit.RoomCompositeEgressRequest.layout":
        "The layout the room is rendered in: `grid`, `speaker`, `single-speaker`, or one of your template's.",
    "livekit.RoomCompositeEgressRequest.audio_only": "Record the room's audio alone.",
    "livekit.RoomCompositeEgressRequest.audio_mixing": "How the participants' audio is mixed.",
    "livekit.RoomCompositeEgressRequest.video_only": "Record the room's video alone.",
    "livekit.RoomCompositeEgressRequest.custom_base_url":
        "The address of your own recording template, rendered instead of LiveKit's.",
    "livekit.RoomCompositeEgressRequest.file": "Deprecated: one file; use [[file_outputs]].",
    "livekit.RoomCompositeEgressRequest.stream": "Deprecated: one stream; use [[stream_outputs]].",
    "livekit.RoomCompositeEgressRequest.segments": "Deprecated: one segmented output; use [[segment_outputs]].",
    "livekit.RoomCompositeEgressRequest.preset": "An encoding preset; set this or [[advanced]].",
    "livekit.RoomCompositeEgressRequest.advanced": "Encoding settings one by one; set this or [[preset]].",
    "livekit.RoomCompositeEgressRequest.file_outputs": "Files to record the room to.",
    "livekit.RoomCompositeEgressRequest.stream_outputs": "Live streams of the room.",
    "livekit.RoomCompositeEgressRequest.segment_outputs": "Segmented recordings (HLS) of the room.",
    "livekit.RoomCompositeEgressRequest.image_outputs": "Still images of the room, taken at an interval.",
    "livekit.RoomCompositeEgressRequest.webhooks": "Further addresses told of this egress's progress.",
    "livekit.AutoParticipantEgress": "A recording of each participant's audio and video, started as they join.",
    "livekit.AutoParticipantEgress.preset": "An encoding preset; set this or [[advanced]].",
    "livekit.AutoParticipantEgress.advanced": "Encoding settings one by one; set this or [[preset]].",
    "livekit.AutoParticipantEgress.file_outputs": "Files to record each participant to.",
    "livekit.AutoParticipantEgress.segment_outputs": "Segmented recordings (HLS) of each participant.",
    "livekit.AutoTrackEgress": "A recording of each published track on its own, as published.",
    "livekit.AutoTrackEgress.filepath":
        "Where each track's file is written: a path that may hold placeholders such as `{track_id}` and "
        "`{time}`.",
    "livekit.AutoTrackEgress.disable_manifest": "Upload no JSON manifest beside the files.",
    "livekit.AutoTrackEgress.s3": "Upload to Amazon S3 or a service that speaks its API.",
    "livekit.AutoTrackEgress.gcp": "Upload to Google Cloud Storage.",
    "livekit.AutoTrackEgress.azure": "Upload to Azure Blob Storage.",
    "livekit.AutoTrackEgress.aliOSS": "Upload to Alibaba Cloud OSS.",
    "livekit.EncodedFileOutput": "A recording to one file.",
    "livekit.EncodedFileOutput.file_type": "The file's format. Unset: chosen by the codecs.",
    "livekit.EncodedFileOutput.filepath":
        "Where the file is written: a path that may hold placeholders such as `{room_name}` and `{time}`.",
    "livekit.EncodedFileOutput.disable_manifest": "Upload no JSON manifest beside the file.",
    "livekit.EncodedFileOutput.s3": "Upload to Amazon S3 or a service that speaks its API.",
    "livekit.EncodedFileOutput.gcp": "Upload to Google Cloud Storage.",
    "livekit.EncodedFileOutput.azure": "Upload to Azure Blob Storage.",
    "livekit.EncodedFileOutput.aliOSS": "Upload to Alibaba Cloud OSS.",
    "livekit.SegmentedFileOutput": "A recording in short segments with a playlist (HLS).",
    "livekit.SegmentedFileOutput.protocol": "The segments' protocol. Unset: HLS.",
    "livekit.SegmentedFileOutput.filename_prefix": "The start of every segment's file name, and its folder.",
    "livekit.SegmentedFileOutput.playlist_name": "The playlist's file name.",
    "livekit.SegmentedFileOutput.live_playlist_name":
        "The file name of a second playlist that lists only the latest segments, for live playback. Empty: none.",
    "livekit.SegmentedFileOutput.segment_duration": "Each segment's length in seconds. 0: LiveKit's default.",
    "livekit.SegmentedFileOutput.filename_suffix": "What ends each segment's file name.",
    "livekit.SegmentedFileOutput.disable_manifest": "Upload no JSON manifest beside the segments.",
    "livekit.SegmentedFileOutput.s3": "Upload to Amazon S3 or a service that speaks its API.",
    "livekit.SegmentedFileOutput.gcp": "Upload to Google Cloud Storage.",
    "livekit.SegmentedFileOutput.azure": "Upload to Azure Blob Storage.",
    "livekit.SegmentedFileOutput.aliOSS": "Upload to Alibaba Cloud OSS.",
    "livekit.StreamOutput": "A live stream to one or more addresses.",
    "livekit.StreamOutput.protocol": "The streaming protocol. Unset: chosen by the addresses.",
    "livekit.StreamOutput.urls":
        "Where to stream: `rtmp://`, `rtmps://`, `srt://` or `wss://` addresses; a secret, as they often hold a "
        "stream key.",
    "livekit.StreamOutput.destinations": "Where to stream, each address with an ID of your choosing.",
    "livekit.StreamDestination": "One address to stream to.",
    "livekit.StreamDestination.id": "An ID of your choosing that tells the destination apart.",
    "livekit.StreamDestination.url": "The address to stream to; a secret, as it often holds a stream key.",
    "livekit.ImageOutput": "Still images taken at an interval.",
    "livekit.ImageOutput.capture_interval": "Seconds between two images.",
    "livekit.ImageOutput.width": "The images' width in pixels. 0: the video's.",
    "livekit.ImageOutput.height": "The images' height in pixels. 0: the video's.",
    "livekit.ImageOutput.filename_prefix": "The start of every image's file name, and its folder.",
    "livekit.ImageOutput.filename_suffix": "What ends each image's file name.",
    "livekit.ImageOutput.image_codec": "The images' format. Unset: LiveKit's default.",
    "livekit.ImageOutput.disable_manifest": "Upload no JSON manifest beside the images.",
    "livekit.ImageOutput.s3": "Upload to Amazon S3 or a service that speaks its API.",
    "livekit.ImageOutput.gcp": "Upload to Google Cloud Storage.",
    "livekit.ImageOutput.azure": "Upload to Azure Blob Storage.",
    "livekit.ImageOutput.aliOSS": "Upload to Alibaba Cloud OSS.",
    "livekit.EncodingOptions": "How a recording or stream is encoded, setting by setting.",
    "livekit.EncodingOptions.width": "The video's width in pixels. 0: 1920.",
    "livekit.EncodingOptions.height": "The video's height in pixels. 0: 1080.",
    "livekit.EncodingOptions.depth": "The video's colour depth in bits. 0: 24.",
    "livekit.EncodingOptions.framerate": "Video frames per second. 0: 30.",
    "livekit.EncodingOptions.audio_codec": "The audio codec. Unset: Opus.",
    "livekit.EncodingOptions.audio_bitrate": "The audio bit rate in kbit/s. 0: 128.",
    "livekit.EncodingOptions.audio_frequency": "The audio sample rate in Hz. 0: 44100.",
    "livekit.EncodingOptions.video_codec": "The video codec. Unset: H.264 main profile.",
    "livekit.EncodingOptions.video_bitrate": "The video bit rate in kbit/s. 0: 4500.",
    "livekit.EncodingOptions.key_frame_interval":
        "Seconds between key frames. 0: 4 for streams, the segment length for segmented recordings, the "
        "encoder's choice for files.",
    "livekit.EncodingOptions.audio_quality": "Deprecated: the audio encoder's quality setting.",
    "livekit.EncodingOptions.video_quality": "Deprecated: the video encoder's quality setting.",
    "livekit.WebhookConfig": "An address told of an egress's progress.",
    "livekit.WebhookConfig.url": "The address LiveKit posts the events to.",
    "livekit.WebhookConfig.signing_key":
        "The key the requests to [[url]] are signed with, for it to check they come from LiveKit; a secret.",
    "livekit.WebhookConfig.filter_params": "Which events [[url]] is told of. Unset: all.",
    "livekit.FilterParams": "Which events a webhook is told of.",
    "livekit.FilterParams.include_events": "Only these events, by name (`egress_ended`). Empty: all.",
    "livekit.FilterParams.exclude_events": "Not these events, by name.",
    "livekit.AudioMixing":
        "How a room's audio is mixed: `DEFAULT_MIXING` all together; `DUAL_CHANNEL_AGENT` agents on one channel and "
        "everyone else on the other; `DUAL_CHANNEL_ALTERNATE` participants on alternate channels.",
    "livekit.EncodingOptionsPreset":
        "An encoding preset: H.264 at 720p or 1080p, 30 or 60 frames per second, landscape or (`PORTRAIT_`) "
        "portrait; `PASSTHROUGH` records without transcoding.",
    "livekit.EncodedFileType": "A recording's file format: MP4, OGG, MP3, or `DEFAULT_FILETYPE` (chosen by the codecs).",
    "livekit.StreamProtocol":
        "A streaming protocol: RTMP, SRT, WEBSOCKET, or `DEFAULT_PROTOCOL` (chosen by the addresses).",
    "livekit.SegmentedFileProtocol": "The protocol of a segmented recording: HLS, with MPEG-TS or fragmented MP4 segments.",
    "livekit.SegmentedFileSuffix": "What ends a segment's file name: its number (`INDEX`) or the time (`TIMESTAMP`).",
    "livekit.ImageFileSuffix":
        "What ends an image's file name: its number, the time, or nothing (`IMAGE_SUFFIX_NONE_OVERWRITE`: each "
        "image replaces the last).",
    "livekit.ImageCodec": "An image format: JPEG, or `IC_DEFAULT`.",
    "livekit.AudioCodec": "An audio codec: Opus, AAC, MP3, or `DEFAULT_AC`.",
    "livekit.VideoCodec": "A video codec: H.264 (baseline, main or high profile), VP8, or `DEFAULT_VC`.",
    "livekit.S3Upload": "Uploads to Amazon S3, or to a service that speaks its API at [[endpoint]].",
    "livekit.S3Upload.access_key": "The access key ID; a secret.",
    "livekit.S3Upload.secret": "The secret access key; a secret.",
    "livekit.S3Upload.session_token": "A session token, for temporary credentials; a secret.",
    "livekit.S3Upload.assume_role_arn":
        "A role to assume with the keys above before uploading, by its ARN. On LiveKit Cloud, where the project "
        "has the feature.",
    "livekit.S3Upload.assume_role_external_id": "The external ID the role asks for; a secret.",
    "livekit.S3Upload.region": "The bucket's region.",
    "livekit.S3Upload.endpoint": "The address of a service that speaks S3's API, instead of Amazon's.",
    "livekit.S3Upload.bucket": "The bucket.",
    "livekit.S3Upload.force_path_style":
        "Name the bucket in the path of each request rather than in the host name.",
    "livekit.S3Upload.metadata": "Metadata written on each object uploaded, name to value.",
    "livekit.S3Upload.tagging": "Tags for each object uploaded, as a query string (`key1=value1&key2=value2`).",
    "livekit.S3Upload.content_disposition": "The `Content-Disposition` header of each object uploaded.",
    "livekit.S3Upload.proxy": "A proxy the uploads go through.",
    "livekit.GCPUpload": "Uploads to Google Cloud Storage.",
    "livekit.GCPUpload.credentials": "A service account's key, the JSON file as text; a secret.",
    "livekit.GCPUpload.bucket": "The bucket.",
    "livekit.GCPUpload.proxy": "A proxy the uploads go through.",
    "livekit.AzureBlobUpload": "Uploads to Azure Blob Storage.",
    "livekit.AzureBlobUpload.account_name": "The storage account's name.",
    "livekit.AzureBlobUpload.account_key": "The storage account's key; a secret.",
    "livekit.AzureBlobUpload.container_name": "The container.",
    "livekit.AliOSSUpload": "Uploads to Alibaba Cloud Object Storage Service.",
    "livekit.AliOSSUpload.access_key": "The AccessKey ID; a secret.",
    "livekit.AliOSSUpload.secret": "The AccessKey secret; a secret.",
    "livekit.AliOSSUpload.region": "The bucket's region.",
    "livekit.AliOSSUpload.endpoint": "The address of the service, if not the region's.",
    "livekit.AliOSSUpload.bucket": "The bucket.",
    "livekit.ProxyConfig": "An HTTP proxy.",
    "livekit.ProxyConfig.url": "The proxy's address.",
    "livekit.ProxyConfig.username": "The user name the proxy asks for.",
    "livekit.ProxyConfig.password": "The password the proxy asks for; a secret.",

    # ---- The connection: which LiveKit project ------------------------------------------------------------
    "livekit:url":
        "The LiveKit project's URL: `wss://`, `https://`, `ws://` or `http://`, with the path a proxy serves it "
        "under, if any.",
    "livekit:apiKey": "The API key to call the project's API with (`API...`).",
    "livekit:apiSecret": "That API key's secret; a secret.",
    "livekit:ignoreRoutingWarnings":
        "Routing warnings not to give: a warning code (everywhere), `<code>:<resource name>` (one resource) or "
        "`*` (none). Each warning names the entry that silences it.",
}

# Python programs only: a resource's arguments and outputs besides the message's fields.
PYTHON: dict[str, str] = {
    "resource_name": "The resource's name in the stack (its URN's last part), not the object's `name`.",
    "connection":
        "The LiveKit project the resource is in, when not the stack's: a setting left unset comes from stack "
        "config (`livekit:*`), then from the environment. Its API secret is a secret in state; naming another "
        "project replaces the resource.",
    "opts": "Pulumi's options for the resource: `import_`, `protect`, `ignore_changes`, `depends_on`, ...",
    "pin":
        "The rule's PIN, whichever kind of rule holds it, kept apart from [[rule]] (which then reads without it) "
        "and a secret in state. None for a rule without a PIN.",
}

_REFERENCE = re.compile(r"\[\[([A-Za-z0-9_.]+)\]\]")


def described(key: str, spell: Callable[[str], str]) -> Optional[str]:
    """The description of `key` (see the module's docstring), each field it names spelt by `spell`
    (a field's protobuf name to the reader's); None when it has none."""
    text = DESCRIPTIONS.get(key)
    return None if text is None else with_fields_spelt(text, spell)


def with_fields_spelt(text: str, spell: Callable[[str], str]) -> str:
    return _REFERENCE.sub(lambda found: "`" + ".".join(map(spell, found.group(1).split("."))) + "`", text)


def json_name(name: str) -> str:
    """A field's name as protobuf's JSON mapping spells it (`allowed_addresses` -> `allowedAddresses`)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
