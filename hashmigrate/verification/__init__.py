"""``hashmigrate verify``: every post's page on the target compared with the page Hashnode would show."""

from hashmigrate.verification.compare import Difference
from hashmigrate.verification.run import CheckStatus, PostCheck, VerifyResult, verify
from hashmigrate.verification.targets import VerifyError

__all__ = ["CheckStatus", "Difference", "PostCheck", "VerifyError", "VerifyResult", "verify"]
