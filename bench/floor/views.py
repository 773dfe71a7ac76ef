from django.http import HttpResponseForbidden
from django.shortcuts import render

from bench.floor.models import Person

ROWS = [{"number": number, "label": f"行 {number}", "amount": f"{number * 1250:,}.00"} for number in range(1, 21)]


def floor(request):
    user_id = request.session.get("_auth_user_id")
    person = Person.objects.filter(pk=user_id).only("email").first() if user_id else None
    if person is None:
        return HttpResponseForbidden("not signed in")
    return render(request, "floor.html", {"person": person, "rows": ROWS})
