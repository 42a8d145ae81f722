"""Users, API tokens, access tokens and hub/group/project instances.

The login flow is the one ``qiskit_ibm_provider.IBMProvider(token=..., url=...)`` performs:
``POST /users/loginWithToken {"apiToken"}`` answers ``{"id": <access token>}``; every later
request carries it in ``X-Access-Token``. Users and their API tokens come from configuration
(never from the database), so changing a token in config takes effect at the next start.
Access tokens are persisted - hashed, never in clear - so a client keeps working across a
restart of the local cloud, as it would across an IBM deploy.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..store import Store
from . import db
from .errors import ApiError, bad_request, forbidden

ACCESS_TOKEN_TTL = 14 * 24 * 3600
"""Seconds an access token stays valid; IBM's login answered ``ttl: 1209600``."""


@dataclass(frozen=True)
class IbmUser:
    """One account of the local runtime. ``instances[0]`` is the default instance.

    ``upload_programs`` is the right IBM granted per account to upload runtime programs;
    without it ``POST /programs`` answers 403 (``IBMQNotAuthorizedError`` in the client).
    """

    name: str
    token: str = field(repr=False)
    instances: tuple[str, ...]
    upload_programs: bool = True
    # The current IBM Quantum Platform (qiskit-ibm-runtime): an IBM Cloud API key and the
    # CRNs of the user's service instances. Derived from the name when not configured.
    api_key: str = field(default="", repr=False)
    crns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("IBM user needs a non-empty name")
        if not self.token:
            raise ValueError(f"IBM user {self.name!r} needs a non-empty token")
        if not self.instances:
            raise ValueError(f"IBM user {self.name!r} needs at least one hub/group/project")
        for instance in self.instances:
            try:
                parse_instance(instance)
            except ApiError as exc:
                raise ValueError(f"IBM user {self.name!r}: {exc.message}") from None
        if not self.api_key:
            object.__setattr__(self, "api_key", f"local-ibm-apikey-{self.name}")
        if not self.crns:
            object.__setattr__(self, "crns", (local_crn(self.name),))
        for crn in self.crns:
            if not is_crn(crn):
                raise ValueError(f"IBM user {self.name!r}: {crn!r} is not a CRN ('crn:v1:...')")

    @property
    def default_instance(self) -> str:
        return self.instances[0]


def local_crn(name: str) -> str:
    """The CRN of a local user's platform instance, shaped like IBM's (us-east, bluemix)."""
    return f"crn:v1:bluemix:public:quantum-computing:us-east:a/local-{name}:{name}-instance::"


def is_crn(instance: object) -> bool:
    return isinstance(instance, str) and instance.startswith("crn:v1:") and instance.count(":") >= 9


def parse_instance(instance: str) -> tuple[str, str, str]:
    parts = instance.split("/") if isinstance(instance, str) else []
    if len(parts) != 3 or not all(parts):
        raise bad_request(
            f"instance {instance!r} is not in the hub/group/project format "
            "(e.g. 'local-hub/local-group/alice-project')"
        )
    return parts[0], parts[1], parts[2]


DEFAULT_USERS: tuple[IbmUser, ...] = (
    IbmUser("alice", "local-ibm-token-alice", ("local-hub/local-group/alice-project",)),
    IbmUser("bob", "local-ibm-token-bob", ("local-hub/local-group/bob-project",)),
    # May run programs but not upload them, as most IBM Quantum accounts.
    IbmUser(
        "carol",
        "local-ibm-token-carol",
        ("local-hub/local-group/carol-project",),
        upload_programs=False,
    ),
)
"""Documented default credentials of the local cloud (loopback only, not secrets)."""


def users_from_config(entries: Iterable[Mapping[str, Any]]) -> tuple[IbmUser, ...]:
    """Build users from plain config, e.g.
    ``[{"name", "token", "instances": [...], "upload_programs": false}]``."""
    users = []
    for entry in entries:
        instances = entry.get("instances") or [entry.get("instance")]
        users.append(
            IbmUser(
                str(entry["name"]),
                str(entry["token"]),
                tuple(instances),
                upload_programs=bool(entry.get("upload_programs", True)),
                api_key=str(entry.get("api_key") or ""),
                crns=tuple(entry.get("crns") or ()),
            )
        )
    return tuple(users)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Accounts:
    """Authenticates API tokens and access tokens and answers instance membership."""

    def __init__(self, store: Store, users: Iterable[IbmUser] | None = None) -> None:
        self._store = store
        self._users = {u.name: u for u in (DEFAULT_USERS if users is None else users)}
        if not self._users:
            raise ValueError("the local IBM runtime needs at least one user")
        # Compare digests, not tokens, so timing does not leak a prefix of a token.
        self._by_token_digest = {_sha256(u.token): u for u in self._users.values()}

    def user_for_api_key(self, api_key: str) -> IbmUser | None:
        """The user owning an IBM Cloud API key of the current platform (or None)."""
        digest = _sha256(api_key)
        for user in self._users.values():
            if hmac.compare_digest(_sha256(user.api_key), digest):
                return user
        return None

    def user(self, name: str) -> IbmUser | None:
        return self._users.get(name)

    def login(self, api_token: Any) -> tuple[str, IbmUser]:
        if not isinstance(api_token, str) or not api_token:
            raise ApiError(400, "body must be JSON with a non-empty string 'apiToken'")
        user = self._user_for_api_token(api_token)
        if user is None:
            raise ApiError(
                401, "Login failed: the API token is not valid.", code=2, name="LOGIN_FAILED"
            )
        access_token = secrets.token_hex(32)
        self._store.execute(
            "INSERT INTO ibm_access_tokens (token_sha256, user_name, created_at) VALUES (?,?,?)",
            (_sha256(access_token), user.name, db.now()),
        )
        return access_token, user

    def _user_for_api_token(self, token: str) -> IbmUser | None:
        digest = _sha256(token)
        for known, user in self._by_token_digest.items():
            if hmac.compare_digest(known, digest):
                return user
        return None

    def issue_iam_token(self, user: IbmUser, token: str, expires_at: float) -> None:
        """Remember an IAM access token (its digest) until ``expires_at``; older ones go."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM ibm_iam_tokens WHERE expires_at <= ?", (db.now(),))
            conn.execute(
                "INSERT INTO ibm_iam_tokens (token_sha256, user_name, expires_at) VALUES (?,?,?)",
                (_sha256(token), user.name, expires_at),
            )

    def iam_user(self, token: str) -> IbmUser | None:
        """The user of an IAM access token that has not expired (None otherwise)."""
        row = self._store.query_one(
            "SELECT user_name, expires_at FROM ibm_iam_tokens WHERE token_sha256 = ?",
            (_sha256(token),),
        )
        if row is None or row["expires_at"] <= db.now():
            return None
        return self._users.get(row["user_name"])

    def authenticate(self, headers: Mapping[str, str]) -> IbmUser:
        """Return the caller from ``X-Access-Token`` (or ``Authorization: Bearer``).

        A bearer value may be an access token or an API token, so thin REST clients can skip
        the login round trip.
        """
        token = headers.get("X-Access-Token")
        bearer = None
        auth = headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            bearer = auth[7:].strip()
        for candidate in (token, bearer):
            if not candidate:
                continue
            row = self._store.query_one(
                "SELECT user_name, created_at FROM ibm_access_tokens WHERE token_sha256 = ?",
                (_sha256(candidate),),
            )
            if row is not None and row["created_at"] + ACCESS_TOKEN_TTL > db.now():
                user = self._users.get(row["user_name"])
                if user is not None:
                    return user
        if bearer:
            user = self._user_for_api_token(bearer)
            if user is not None:
                return user
        if token or bearer:
            raise ApiError(
                401, "Invalid or expired access token; log in again.", name="AUTHENTICATION_ERROR"
            )
        raise ApiError(
            401,
            "Missing access token: send the X-Access-Token header "
            "(obtained from POST /users/loginWithToken).",
            name="AUTHENTICATION_ERROR",
        )

    @staticmethod
    def may_see(user: IbmUser, owner: str, instance: str) -> bool:
        """Whether ``user`` may see a job or session of ``owner`` in ``instance``.

        Callers answer exactly as for an unknown id when not, so an id never tells that it
        exists in another tenant, nor whose it is.
        """
        return owner == user.name or instance in user.instances or instance in user.crns

    def check_instance(self, user: IbmUser, instance: str) -> str:
        """403 unless ``instance`` (hub/group/project or CRN) belongs to ``user``."""
        if is_crn(instance):
            if instance not in user.crns:
                raise forbidden(f"user {user.name!r} has no access to instance {instance!r}")
            return instance
        parse_instance(instance)
        if instance not in user.instances:
            raise forbidden(f"user {user.name!r} has no access to instance {instance!r}")
        return instance

    def instance_from(self, user: IbmUser, hub: Any, group: Any, project: Any) -> str:
        """The caller's instance from optional hub/group/project fields (all or none)."""
        given = [v for v in (hub, group, project) if v not in (None, "")]
        if not given:
            return user.default_instance
        if len(given) != 3 or not all(isinstance(v, str) for v in given):
            raise bad_request("hub, group and project must be given together as strings")
        return self.check_instance(user, f"{hub}/{group}/{project}")

    @staticmethod
    def network(user: IbmUser) -> list[dict[str, Any]]:
        """The ``GET /Network`` answer: hubs -> groups -> projects, default flagged."""
        hubs: dict[str, dict[str, Any]] = {}
        for index, instance in enumerate(user.instances):
            hub, group, project = parse_instance(instance)
            hub_entry = hubs.setdefault(hub, {"name": hub, "groups": {}})
            group_entry = hub_entry["groups"].setdefault(group, {"name": group, "projects": {}})
            group_entry["projects"][project] = {"name": project, "isDefault": index == 0}
        return list(hubs.values())
