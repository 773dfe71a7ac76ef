"""The accounts app's data, one module per subject: logins and identity, and credit."""

from accounts.models.anomaly import (
    AccountFeatures,
    AnomalyModelVersion,
    AnomalyReview,
    AnomalyScoringChunk,
    AnomalyScoringRun,
    BalanceMovement,
)
from accounts.models.binding import IdentityBindingGuess
from accounts.models.clearance import ClearanceCase
from accounts.models.closure import ClosureRequest
from accounts.models.core_link import CoreInstruction
from accounts.models.credit import (
    CreditAccount,
    CreditProduct,
    CreditScore,
    LimitChange,
    ReasonCode,
    RepaymentInstallment,
)
from accounts.models.identity import CustomerRecord, IdentityBindingAttempt, User, UserManager
from accounts.models.integration import IntegrationIdempotencyKey
from accounts.models.offers import IncreaseOffersOptOut, LimitOffer
from accounts.models.repayment import RepaymentInstruction, RepaymentQuote
from accounts.models.risk import PolicyVersion, RiskDecision, RiskEvaluationChunk, RiskEvaluationRun, RiskSignal
from accounts.models.segments import SegmentRule, SegmentSet, StressTest
from accounts.models.tokens import ApiTokenUsage

__all__ = [
    "AccountFeatures",
    "AnomalyModelVersion",
    "AnomalyReview",
    "AnomalyScoringChunk",
    "AnomalyScoringRun",
    "ApiTokenUsage",
    "BalanceMovement",
    "ClearanceCase",
    "ClosureRequest",
    "CoreInstruction",
    "CreditAccount",
    "CreditProduct",
    "CreditScore",
    "CustomerRecord",
    "IdentityBindingAttempt",
    "IdentityBindingGuess",
    "IncreaseOffersOptOut",
    "IntegrationIdempotencyKey",
    "LimitChange",
    "LimitOffer",
    "PolicyVersion",
    "ReasonCode",
    "RepaymentInstallment",
    "RepaymentInstruction",
    "RepaymentQuote",
    "RiskDecision",
    "RiskEvaluationChunk",
    "RiskEvaluationRun",
    "RiskSignal",
    "SegmentRule",
    "SegmentSet",
    "StressTest",
    "User",
    "UserManager",
]
