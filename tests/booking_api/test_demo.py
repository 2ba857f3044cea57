"""The booking part of `ibe demo` books, fails with compensation, cancels, and prints histories."""

from __future__ import annotations

from core.config import Settings


async def test_booking_demo(settings: Settings, embedded_stack: Settings, unique: str):
    from booking_api.demo import booking_demo

    settings = settings.model_copy(update={"deployment": f"t{unique}"})  # its own supplier budget
    lines: list[str] = []
    results = await booking_demo(settings, lines.append)
    assert [d["state"] for d in results] == ["cancelled", "failed"]
    assert results[1]["payment"]["state"] == "voided"
    text = "\n".join(lines)
    assert "happy booking" in text and "-> confirmed" in text and "soldout" in text
    assert text.count("history of") == 2 and "compensating" in text and "cancelled" in text
