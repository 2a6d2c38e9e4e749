"""Every URL of the web UI. Objects are addressed by public UUIDs, never by integer keys."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from pumpurs.ops.views import healthz
from pumpurs.people import auth, passkeys
from pumpurs.people.auth import LoginView, LogoutView
from pumpurs.people.second_factor import second_factor_setup, second_factor_verify
from pumpurs.people.staff_views import invitation_accept

# The language switch must work on the sign-in page too, before anyone is signed in.
i18n_patterns = [path("setlang/", login_not_required(set_language), name="set_language")]

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/change/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitation/<str:token>/", invitation_accept, name="invitation_accept"),
    path("sign-in/code/setup/", second_factor_setup, name="second_factor_setup"),
    path("sign-in/code/", second_factor_verify, name="second_factor_verify"),
    path("account/security/", passkeys.security, name="security"),
    path("account/passkeys/<int:pk>/", passkeys.passkey_change, name="passkey_change"),
    path("passkeys/register/begin/", passkeys.RegisterBegin.as_view(), name="passkey_register_begin"),
    path("passkeys/register/complete/", passkeys.RegisterComplete.as_view(), name="passkey_register_complete"),
    path("passkeys/sign-in/begin/", passkeys.AuthenticateBegin.as_view(), name="passkey_auth_begin"),
    path("passkeys/sign-in/complete/", passkeys.AuthenticateComplete.as_view(), name="passkey_auth_complete"),
    path("staff/", include("pumpurs.people.staff_urls")),
    path("i18n/", include(i18n_patterns)),
    path("healthz", healthz, name="healthz"),
    path("ops/", include("pumpurs.ops.urls")),
    path("", include("pumpurs.privacy.urls")),
    path("imports/", include("pumpurs.imports.urls")),
    path("risk/questionnaire/", include("pumpurs.risk.questionnaire_urls")),
    path("notices/", include("pumpurs.risk.notices_urls")),
    path("risk/", include("pumpurs.risk.urls")),
    path("support/catalogue/", include("pumpurs.support.catalogue_urls")),
    path("support/pupil/", include("pumpurs.support.pupil_urls")),
    path("support/", include("pumpurs.support.urls")),
    path("youth/", include("pumpurs.youth.urls")),
    path("trainings/", include("pumpurs.prevention.urls")),
    path("materials/", include("pumpurs.prevention.materials_urls")),
    path("finance/", include("pumpurs.finance.urls")),
    path("monitoring/", include("pumpurs.reporting.urls")),
    path("api/v1/", include("pumpurs.api.urls")),
    path("", include("pumpurs.people.urls")),
]

# Under /api/ a 404 answers in the API's JSON error shape, also for addresses no view matches.
handler404 = "pumpurs.api.errors.not_found"
