"""The one baseline view: 50 rows shaped like the patient list, from memory, as plain strings."""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

ROWS = [
    {
        "id": n,
        "name": f"Patient {n:05d}",
        "birth_date": (date(1940, 1, 1) + timedelta(days=173 * n)).isoformat(),
        "sex": "Kvinde" if n % 5 else "Mand",
        "category": "Hverdagsaktiv",
        "latest": (date(2026, 1, 1) + timedelta(days=n)).isoformat(),
    }
    for n in range(50)
]


def rows(request: HttpRequest) -> HttpResponse:
    return render(request, "webbaseline/rows.html", {"rows": ROWS})


urlpatterns = [path("", rows)]
