"""The accept and decline forms of a progression card: what was shown, never what to change.

The posted fields name the suggestion (its key) and the plan's version; the exercise and dose to
write are computed again by the service. The reason is checked by the service (its messages).
"""

from __future__ import annotations

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

KEY_LENGTH = 200
VERSION_MAX = 2**31 - 1


class DecisionForm(forms.Form):
    key = forms.CharField(max_length=KEY_LENGTH)
    version = forms.IntegerField(min_value=1, max_value=VERSION_MAX)
    reason = forms.CharField(required=False, strip=False)
    # Where to go back to without JavaScript (the session page); a path of this site only.
    next = forms.CharField(required=False, max_length=500)

    def back_to(self, allowed_hosts: set[str]) -> str | None:
        """The posted return path when it is one of this site's, else None."""
        target = self.cleaned_data.get("next") or ""
        if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts=allowed_hosts, require_https=False
        ):
            return str(target)
        return None
