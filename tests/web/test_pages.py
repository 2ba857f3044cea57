"""The front end's pages over HTTP (no browser): search, hotel page caching, booking steps, errors."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.web.conftest import WebEnv

CHECKIN = date.today() + timedelta(days=40)
STAY = f"checkin={CHECKIN}&checkout={CHECKIN + timedelta(days=2)}&rooms=2"


async def test_smoke(web_env: WebEnv):
    c = web_env.client
    r = await c.get("/")
    assert r.status_code == 200, r.text
    region = web_env.sim.catalog[5]["region"]
    r = await c.get("/suggest", params={"q": region["name"][:4]})
    print(r.json())
    r = await c.get(f"/search?dest={region['name']}&region_id={region['id']}&{STAY}")
    assert r.status_code == 200, r.text
    hid = web_env.sim.catalog[5]["hid"]
    r = await c.get(f"/hotels/{hid}")
    print(r.status_code, r.headers)
    r = await c.get(f"/hotels/{hid}", follow_redirects=True)
    assert r.status_code == 200, r.text
    r = await c.get(f"/hotels/{hid}/rates?{STAY}&partial=1")
    assert r.status_code == 200, r.text
    print(r.text[:3000])
