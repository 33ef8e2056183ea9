"""An SMS gateway as Chinese providers run them (Aliyun Dysms `SendSms`, RPC style): a form POST signed
with the access key's secret. The signature is checked as the provider does: HMAC-SHA1 with key
`secret + "&"` over `POST&%2F&` + the percent-encoded, sorted `k=v&...` of every parameter but
`Signature`, base64. A stale `Timestamp` (15 minutes) or a reused `SignatureNonce` is refused.
`OutId` is the caller's idempotency key: a send repeated with the same `OutId` is answered with the
first one's `BizId` and not delivered again. Answers are `{"Code": "OK", "BizId", "RequestId"}` or an
error `Code` (`SignatureDoesNotMatch`, `isv.MOBILE_NUMBER_ILLEGAL`, `isv.TEMPLATE_MISSING_PARAMETERS`...)."""

import asyncio
import base64
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

REQUIRED = (
    "AccessKeyId",
    "Action",
    "PhoneNumbers",
    "SignName",
    "SignatureNonce",
    "Signature",
    "TemplateCode",
    "Timestamp",
)
PHONE = re.compile(r"^1\d{10}$")
VARIABLE = re.compile(r"\$\{(\w+)\}")
SKEW = timedelta(minutes=15)


def _percent(text: str) -> str:
    return quote(text, safe="~")


def expected_signature(params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"POST&{_percent('/')}&{_percent(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


@dataclass
class Gateway:
    """One account (`access_key_id`, `secret`); `templates` maps codes to approved content when the
    gateway should check parameters (an empty map accepts any code, as a sandbox does)."""

    access_key_id: str = "jz-local"
    secret: str = "jz-local-secret"
    file: Path | None = None
    templates: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    delivered: list[dict[str, Any]] = field(default_factory=list)
    repeats: int = 0
    in_flight: int = 0
    """Sends answered from an earlier one with the same `OutId` (not delivered again)."""
    _by_out_id: dict[str, str] = field(default_factory=dict)
    _nonces: set[str] = field(default_factory=set)

    def route(self) -> Route:
        return Route("/sms/", self.send, methods=["POST"])

    async def send(self, request: Request) -> JSONResponse:
        form = await request.form()
        params = {k: str(v) for k, v in form.items()}
        refused = self._refusal(params)
        if refused is not None:
            return _answer(*refused)
        out_id = params.get("OutId", "")
        if out_id and out_id in self._by_out_id:
            self.repeats += 1
            return _answer("OK", "OK", BizId=self._by_out_id[out_id])
        biz_id = uuid.uuid4().hex[:20]
        if out_id:  # taken before the slow part: a resend while the first is on its way is still one
            self._by_out_id[out_id] = biz_id
        self.in_flight += 1
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        self._keep(params, biz_id)
        return _answer("OK", "OK", BizId=biz_id)

    def _refusal(self, params: dict[str, str]) -> tuple[str, str] | None:
        missing = [name for name in REQUIRED if not params.get(name)]
        if missing:
            return "MissingParameter", f"missing {missing[0]}"
        if params["AccessKeyId"] != self.access_key_id:
            return "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        if not hmac.compare_digest(params["Signature"], expected_signature(params, self.secret)):
            return "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        if params["Action"] != "SendSms":
            return "InvalidAction.NotFound", "Specified api is not found"
        stale = self._stale(params["Timestamp"])
        if stale:
            return "InvalidTimeStamp.Expired", stale
        if params["SignatureNonce"] in self._nonces:
            return "SignatureNonceUsed", "Specified signature nonce was used already."
        self._nonces.add(params["SignatureNonce"])
        if not all(PHONE.fullmatch(p) for p in params["PhoneNumbers"].split(",")):
            return "isv.MOBILE_NUMBER_ILLEGAL", "invalid mobile number"
        return self._template_refusal(params)

    @staticmethod
    def _stale(stamp: str) -> str | None:
        try:
            at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return "Timestamp must be YYYY-MM-DDThh:mm:ssZ"
        return None if abs(datetime.now(UTC) - at) <= SKEW else "Specified time stamp or date value is expired."

    def _template_refusal(self, params: dict[str, str]) -> tuple[str, str] | None:
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return "isv.INVALID_JSON_PARAM", "TemplateParam is not JSON"
        content = self.templates.get(params["TemplateCode"])
        if self.templates and content is None:
            return "isv.SMS_TEMPLATE_ILLEGAL", "template not found"
        needed = set(VARIABLE.findall(content or ""))
        if needed - set(values):
            return "isv.TEMPLATE_MISSING_PARAMETERS", "template parameters missing"
        return None

    def _keep(self, params: dict[str, str], biz_id: str) -> None:
        values = json.loads(params.get("TemplateParam") or "{}")
        content = self.templates.get(params["TemplateCode"])
        text = VARIABLE.sub(lambda m: str(values.get(m.group(1), "")), content) if content else None
        entry = {
            "received_at": datetime.now(UTC).isoformat(),
            "phone": params["PhoneNumbers"],
            "sign_name": params["SignName"],
            "template_code": params["TemplateCode"],
            "params": values,
            "text": text,
            "out_id": params.get("OutId"),
            "biz_id": biz_id,
        }
        self.delivered.append(entry)
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.file, "a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _answer(code: str, message: str, **extra: str) -> JSONResponse:
    return JSONResponse({"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper(), **extra})
