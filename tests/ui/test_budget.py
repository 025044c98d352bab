"""A message's budget (ui/blocks.py): blocks and characters of text, taken in order."""

from __future__ import annotations

from tests.slack_limits import text_size
from ui import blocks as bk


def test_pack_stops_where_the_text_runs_out_and_says_how_many_lines_it_took() -> None:
    lines = [f"{i:03d} " + "x" * 196 for i in range(100)]  # 200 characters each
    room = bk.Budget(blocks=5, chars=2_050)
    packed, taken = bk.pack(lines, room)
    assert taken == 10 and text_size(packed) == 10 * 200 + 9  # ten lines and their breaks
    assert room.chars == 2_050 - text_size(packed) and room.blocks == 5 - len(packed)
    assert "\n".join(b["text"]["text"] for b in packed) == "\n".join(lines[:10])


def test_pack_stops_where_the_blocks_run_out() -> None:
    lines = ["y" * 2_000] * 10  # two never share a section
    room = bk.Budget(blocks=3, chars=100_000)
    packed, taken = bk.pack(lines, room)
    assert taken == 3 and len(packed) == 3 and room.blocks == 0


def test_take_leaves_the_room_as_it_was_when_a_block_does_not_fit() -> None:
    room = bk.Budget(blocks=2, chars=100)
    assert room.take(bk.section("a" * 60))
    assert not room.take(bk.section("b" * 60)) and (room.blocks, room.chars) == (1, 40)
    assert text_size([bk.section_with("ab", bk.button("Go", "x", "v"))]) == 4  # labels count
