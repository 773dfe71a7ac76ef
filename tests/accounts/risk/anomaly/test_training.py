"""Training: a draft version with its window, features, parameters and the hash of its file in
private storage; too little data is refused and stores nothing; a changed file is never loaded."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import translation

from accounts.models import AnomalyModelVersion
from accounts.risk.anomaly import services
from accounts.risk.anomaly.features import FEATURES, FEATURES_VERSION
from accounts.risk.anomaly.training import artefact_load, artefact_path
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.accounts.risk.anomaly.support import NOW, quiet_account, trained_version
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_training_with_too_little_data_is_refused_and_stores_nothing(private_media):
    for _ in range(3):
        quiet_account()

    with translation.override("en"), pytest.raises(PortalError) as refused:
        services.anomaly_model_train(now=NOW, min_accounts=10)

    assert refused.value.code == "too_little_data"
    assert "3 accounts" in refused.value.message and "at least 10" in refused.value.message
    assert not AnomalyModelVersion.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*.joblib"))


def test_training_stores_a_draft_with_its_window_features_and_file_hash(private_media):
    for _ in range(12):
        quiet_account()

    version = services.anomaly_model_train(now=NOW, min_accounts=10)

    assert version.status == AnomalyModelVersion.Status.DRAFT
    assert (version.trained_from, version.trained_to) == (NOW - timedelta(days=90), NOW)
    assert (version.features_version, version.features) == (FEATURES_VERSION, FEATURES)
    assert version.training_accounts == 12 and version.metrics["training_accounts"] == 12
    assert version.parameters["n_estimators"] == 200
    path = artefact_path(version.artefact_name)
    assert path.is_relative_to(private_media)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == version.artefact_sha256
    assert "revolving" in version.peer_statistics["products"] or version.peer_statistics["all"]["count"] == 12


def test_a_model_file_changed_on_disk_is_refused_and_never_switched_on():
    version = trained_version(status=AnomalyModelVersion.Status.DRAFT)
    path = artefact_path(version.artefact_name)
    path.write_bytes(path.read_bytes() + b"tampered")
    analyst = StaffFactory(group="Risk analyst")

    with pytest.raises(PortalError) as refused:
        artefact_load(version)
    assert refused.value.code == "artefact_mismatch"

    with pytest.raises(PortalError):
        services.anomaly_model_version_activate(version=version, actor=analyst)
    version.refresh_from_db()
    assert version.status == AnomalyModelVersion.Status.DRAFT
    assert not AuditEvent.objects.filter(action="anomaly_model_version.activated").exists()


def test_an_analyst_switches_a_draft_on_and_the_previous_version_retires():
    previous = trained_version()
    draft = trained_version(status=AnomalyModelVersion.Status.DRAFT)
    analyst = StaffFactory(group="Risk analyst")

    services.anomaly_model_version_activate(version=draft, actor=analyst)

    draft.refresh_from_db()
    previous.refresh_from_db()
    assert (draft.status, draft.activated_by) == (AnomalyModelVersion.Status.ACTIVE, analyst)
    assert previous.status == AnomalyModelVersion.Status.RETIRED
    event = AuditEvent.objects.get(action="anomaly_model_version.activated")
    assert (event.actor, event.before, event.after["active"]) == (analyst, {"active": previous.label}, draft.label)


def test_switching_on_needs_the_permission_and_a_draft():
    draft = trained_version(status=AnomalyModelVersion.Status.DRAFT)

    with pytest.raises(PortalError) as forbidden:
        services.anomaly_model_version_activate(version=draft, actor=StaffFactory(group="Support agent"))
    assert forbidden.value.code == "forbidden"

    active = trained_version()
    with pytest.raises(PortalError) as not_draft:
        services.anomaly_model_version_activate(version=active, actor=StaffFactory(group="Risk analyst"))
    assert not_draft.value.code == "not_draft"
    draft.refresh_from_db()
    assert draft.status == AnomalyModelVersion.Status.DRAFT
