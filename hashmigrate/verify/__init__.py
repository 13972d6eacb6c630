"""``hashmigrate verify``: every post's page on the target compared with the page Hashnode would show."""

from hashmigrate.verify.compare import Difference
from hashmigrate.verify.run import CheckStatus, PostCheck, VerifyResult, verify
from hashmigrate.verify.targets import VerifyError

__all__ = ["CheckStatus", "Difference", "PostCheck", "VerifyError", "VerifyResult", "verify"]
