"""URLs for setup, login and user management."""

from django.contrib.auth import views as auth_views
from django.urls import path

from osteofys.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("to-faktor/", views.two_factor, name="two_factor"),
    path("to-faktor/fjern/", views.two_factor_remove, name="two_factor_remove"),
    path("adgangskode/", views.password_change, name="password_change"),
    path("klinik/", views.clinic_settings, name="clinic_settings"),
    path("klinik/logo/", views.clinic_logo, name="clinic_logo"),
    path("klinik/sikkerhed/", views.clinic_security, name="clinic_security"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path(
        "users/<int:user_id>/to-faktor/nulstil/",
        views.user_two_factor_reset,
        name="user_two_factor_reset",
    ),
    path("users/<int:user_id>/adgangskode/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:user_id>/laas-op/", views.user_unlock, name="user_unlock"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:token_id>/tilbagekald/", views.token_revoke, name="token_revoke"),
]
