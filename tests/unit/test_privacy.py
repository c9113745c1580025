from __future__ import annotations

import logging

import pytest

from bot.privacy import PiiMaskingFilter, install_pii_filter, mask_id, mask_phone, mask_pii


def test_mask_id_and_phone() -> None:
    assert mask_id("31010419500307108X") == "310***********108X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("02112345678") == "021****5678"
    assert mask_phone("1234") == "****"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证31010419500307108X，电话13812345678", "身份证310***********108X，电话138****5678"),
        ("id=11010519491231002x ok", "id=110***********002x ok"),
        ("call +86 138 1234 5678 now", "call 138****5678 now"),
        ("订单号 20260314000123456789 不是身份证", "订单号 20260314000123456789 不是身份证"),
        ("金额 12345 元，工号 1381234", "金额 12345 元，工号 1381234"),
    ],
)
def test_mask_pii(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_filter_masks_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("claimbot.test_privacy")
    caplog.handler.addFilter(PiiMaskingFilter())
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("caller %s gave id %s", "13812345678", "31010419500307108X")
        try:
            raise ValueError("bad id 31010419500307108X")
        except ValueError:
            logger.exception("lookup failed for 13912345678")
    text = caplog.text
    assert "13812345678" not in text and "31010419500307108X" not in text and "13912345678" not in text
    assert "caller 138****5678 gave id 310***********108X" in text
    assert "bad id 310***********108X" in text


def test_install_pii_filter_on_root_handlers() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        assert install_pii_filter() >= 1
        assert install_pii_filter() == 0  # idempotent
        assert sum(isinstance(f, PiiMaskingFilter) for f in handler.filters) == 1
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("13812345678",), None)
        assert handler.filter(record) and record.getMessage() == "phone 138****5678"
    finally:
        root.removeHandler(handler)
        root.filters = [f for f in root.filters if not isinstance(f, PiiMaskingFilter)]
