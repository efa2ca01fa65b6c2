"""A real MCP client (the official `mcp` Python SDK) against Sked.

    python client.py http URL API_KEY        # streamable HTTP, the key as a bearer token
    python client.py stdio SKED API_KEY DB   # `SKED mcp` spawned over stdio on database DB

Lists the tools, then books, finds, moves and cancels through them (a retried call with the
same idempotency_key books once), and prints one JSON object of what it saw.
"""

import asyncio
import json
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def seen(result):
    text = "".join(getattr(c, "text", "") for c in result.content)
    return {"text": text, "data": result.structured_content, "error": bool(result.is_error)}


async def session(client, zone):
    out = {}
    tools = await client.list_tools()
    out["tools"] = [t.name for t in tools.tools]
    out["book_schema"] = tools.tools[2].input_schema
    out["availability"] = seen(await client.call_tool("check_availability", {"when": "tomorrow afternoon", "time_zone": zone}))
    earliest = seen(await client.call_tool("find_earliest_availability", {"time_zone": zone}))
    start, later = earliest["data"]["slots"][0]["start"], earliest["data"]["slots"][1]["start"]
    book = {"start": start, "name": "Pat Lee", "email": "pat@example.test", "time_zone": zone, "idempotency_key": "py-book-1"}
    first = seen(await client.call_tool("book_appointment", book))
    again = seen(await client.call_tool("book_appointment", book))
    out["booked"], out["booked_again"] = first, again
    code = first["data"]["booking"]["confirmation_code"]
    out["found"] = seen(await client.call_tool("find_appointment", {"confirmation_code": code, "time_zone": zone}))
    move = {"confirmation_code": code, "when": later, "time_zone": zone, "idempotency_key": "py-move-1"}
    out["moved"] = seen(await client.call_tool("reschedule_appointment", move))
    out["moved_again"] = seen(await client.call_tool("reschedule_appointment", move))
    cancel = {"confirmation_code": code, "reason": "plans changed", "time_zone": zone, "idempotency_key": "py-cancel-1"}
    out["cancelled"] = seen(await client.call_tool("cancel_appointment", cancel))
    return out


async def main():
    mode = sys.argv[1]
    if mode == "http":
        url, key = sys.argv[2], sys.argv[3]
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
        async with http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                out = await session(client, "America/New_York")
    else:
        sked, key, db = sys.argv[2], sys.argv[3], sys.argv[4]
        params = StdioServerParameters(
            command=sked, args=["mcp"], env={"SKED_API_KEY": key, "SKED_DATABASE_URL": db, "RUST_LOG": "info"}
        )
        async with Client(params) as client:
            out = await session(client, "America/New_York")
    print(json.dumps(out))


asyncio.run(main())
