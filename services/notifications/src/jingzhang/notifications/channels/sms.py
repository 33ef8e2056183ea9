"""An SMS gateway of the kind Chinese providers run (Aliyun Dysms `SendSms`, RPC style): a form POST of
`PhoneNumbers`, `SignName`, `TemplateCode`, `TemplateParam` (JSON) and `OutId`, signed with the
access key's secret (HMAC-SHA1 over the sorted, percent-encoded parameters), answered with
`{"Code": "OK", "BizId": ...}`. `OutId` is our idempotency key: the notification's id, so a message
resent after a crash is not delivered twice.

The officer's phone is a token in the directory; it is opened here, put in the request and dropped:
never logged, never stored, never in an event. An erased officer's token no longer opens: nothing
is sent to them again."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from jingzhang.notifications.channels.port import GiveUp, Outgoing, Result, Retry, Sent, open_sealed
from jingzhang.notifications.domain.channels import default_template
from jingzhang.notifications.domain.templates import template_variables
from jingzhang.notifications.domain.vocabulary import recipient_id
from jingzhang.notifications.projections.directory import PostgresDirectory
from jingzhang.shared.privacy.keystore import KeyStore

RATE_LIMITED = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User"})
FINAL = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
    }
)


def percent(text: str) -> str:
    """RFC 3986 percent-encoding as the gateway's signature expects (space %20, `*` %2A, `~` kept)."""
    return quote(text, safe="~")


def signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class SmsGateway:
    directory: PostgresDirectory
    keys: Callable[[], KeyStore]
    client: httpx.AsyncClient
    url: str
    access_key_id: str
    secret: str
    sign_name: str

    async def send(self, message: Outgoing) -> Result:
        sealed = await self.directory.phone_token(recipient_id(message.recipient))
        if sealed is None:
            if not await self.directory.caught_up("assignment"):  # enrolled a moment ago, maybe
                return Retry("the officer is not known here yet")
            sealed = await self.directory.phone_token(recipient_id(message.recipient))  # applied meanwhile?
        if sealed is None:
            return GiveUp("no phone number known for the officer")
        subject = f"officer/{recipient_id(message.recipient)}"
        await self.directory.record_reveal(subject, "phone", "SMS SendSms", f"notification {message.kind.value}")
        phone = await open_sealed(self.keys(), sealed)
        if not isinstance(phone, str):
            return GiveUp("the recipient was erased")
        registered = await self.directory.template(message.kind.value)
        code, content = (registered.code, registered.content) if registered else default_template(message.kind)
        values = {name: message.variables.get(name, "") for name in sorted(template_variables(content))}
        params = self._signed(phone, code, values, message.notification_id)
        try:
            answer = await self.client.post(self.url, data=params)
        except httpx.HTTPError as exc:
            return Retry(f"SMS gateway unreachable ({type(exc).__name__})")
        return _outcome(answer)

    def _signed(self, phone: str, code: str, values: Mapping[str, str], out_id: str) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": out_id,
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": code,
            "TemplateParam": json.dumps(dict(values), ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        return params | {"Signature": signature(params, self.secret)}


def _outcome(answer: httpx.Response) -> Result:
    try:
        body = answer.json()
        code = str(body.get("Code"))
    except (ValueError, AttributeError):
        return Retry(f"SMS gateway answered HTTP {answer.status_code} without its JSON")
    if code == "OK":
        return Sent(str(body.get("BizId", "")))
    if code in RATE_LIMITED:
        return Retry(f"SMS gateway rate limit ({code})", rate_limited=True)
    if code in FINAL:
        return GiveUp(f"SMS gateway refused the message ({code})")
    return Retry(f"SMS gateway answered {code}")
