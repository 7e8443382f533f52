"""How Snowflake reaches S3 through a storage integration, with the checks real Snowflake and AWS make.

1. The location must be inside one of the integration's STORAGE_ALLOWED_LOCATIONS and outside its
   STORAGE_BLOCKED_LOCATIONS.
2. The role's trust policy (read from IAM with the admin key) must allow Snowflake's principal (the
   integration's STORAGE_AWS_IAM_USER_ARN, or its account root) to sts:AssumeRole, on condition
   StringEquals sts:ExternalId = the integration's external ID. moto does not evaluate trust policies, so
   this check is done here; a trust without the condition is refused too, since Snowflake always sends one.
3. The role is assumed through STS as that principal, with the external ID, and S3 is read with the
   temporary credentials, so moto applies the role's permission policies (a Deny makes the read fail).
"""

from __future__ import annotations

import fnmatch
import json
import urllib.parse
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .errors import SqlError
from .s3access import AwsAccess, AwsUnavailable

STAGE_ERROR_CODE = "091003"


def _matches_location(url: str, location: str) -> bool:
    if location == "*":
        return True
    prefix = location if location.endswith("/") else location + "/"
    return url == location or url.startswith(prefix) or (url + "/").startswith(prefix)


def check_location_allowed(integration: dict[str, Any], url: str) -> None:
    allowed = any(_matches_location(url, loc) for loc in integration.get("storage_allowed_locations", []))
    blocked = any(_matches_location(url, loc) for loc in integration.get("storage_blocked_locations", []))
    if not allowed or blocked:
        raise SqlError(
            "003144",
            "22000",
            f"SQL execution error: Location '{url}' is not allowed by integration '{integration['name']}'. "
            "Please use DESC INTEGRATION to check out allowed and blocked locations.",
        )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _action_matches(actions: Any, wanted: str) -> bool:
    return any(fnmatch.fnmatchcase(wanted.lower(), str(a).lower()) for a in _as_list(actions))


def _principal_matches(principal: Any, principal_arn: str, account_id: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    accepted = {principal_arn, f"arn:aws:iam::{account_id}:root", account_id, "*"}
    return any(str(p) in accepted for p in _as_list(principal.get("AWS")))


def _external_id_condition(condition: Any, external_id: str) -> bool:
    """Whether the statement's Condition requires exactly this external ID (StringEquals sts:ExternalId)."""
    if not isinstance(condition, dict):
        return False
    for operator, clauses in condition.items():
        if operator != "StringEquals" or not isinstance(clauses, dict):
            continue
        for key, values in clauses.items():
            if key.lower() == "sts:externalid" and external_id in [str(v) for v in _as_list(values)]:
                return True
    return False


def trust_allows(document: dict[str, Any], principal_arn: str, account_id: str, external_id: str) -> bool:
    allowed = False
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict) or not _action_matches(statement.get("Action"), "sts:AssumeRole"):
            continue
        if not _principal_matches(statement.get("Principal"), principal_arn, account_id):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow" and _external_id_condition(statement.get("Condition"), external_id):
            allowed = True
    return allowed


def _assume_error(principal_arn: str, role_arn: str) -> SqlError:
    return SqlError(
        STAGE_ERROR_CODE,
        "22000",
        f"Error assuming AWS_ROLE:\nUser: {principal_arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role_arn}",
    )


def stage_error(error: Exception) -> SqlError:
    """An S3 failure while using a stage, worded as Snowflake words it."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        message = info.get("Message") or info.get("Code", "error")
        return SqlError(STAGE_ERROR_CODE, "22000", f"Failure using stage area. Cause: [{message} (Status Code: "
                        f"{status}; Error Code: {info.get('Code', '')})]")
    return SqlError(STAGE_ERROR_CODE, "22000", f"Failure using stage area. Cause: [{error}]")


def _unavailable(error: Exception) -> SqlError:
    return SqlError("000603", "XX000", f"Processing aborted: the local AWS is not available ({error}).")


def assume_integration_role(aws: AwsAccess, integration: dict[str, Any]) -> dict[str, str]:
    """Temporary credentials for the integration's role, after the trust checks; or Snowflake's error."""
    if not integration.get("enabled", True):
        raise SqlError(STAGE_ERROR_CODE, "22000", f"Integration '{integration['name']}' is disabled.")
    role_arn = integration["storage_aws_role_arn"]
    external_id = integration["storage_aws_external_id"]
    try:
        principal_arn = aws.principal_arn()
        aws.require_bootstrap()
        iam = aws.client("iam", "admin")
        role_name = role_arn.rsplit("/", 1)[-1]
        try:
            role = iam.get_role(RoleName=role_name)["Role"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "NoSuchEntity":
                raise _assume_error(principal_arn, role_arn) from None
            raise
        if role["Arn"] != role_arn:
            raise _assume_error(principal_arn, role_arn)
        document = role.get("AssumeRolePolicyDocument") or {}
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        if not trust_allows(document, principal_arn, aws.account_id, external_id):
            raise _assume_error(principal_arn, role_arn)
        sts = aws.client("sts", "snowflake_principal")
        try:
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="snowflake", ExternalId=external_id,
                                          DurationSeconds=3600)["Credentials"]
        except ClientError as e:
            message = e.response.get("Error", {}).get("Message", str(e))
            raise SqlError(STAGE_ERROR_CODE, "22000", f"Error assuming AWS_ROLE:\n{message}") from None
    except (AwsUnavailable, BotoCoreError) as e:
        raise _unavailable(e) from None
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
