from django.http import Http404
from django.shortcuts import render

from accounts.access import access
from accounts.roles import Role

from . import selectors


@access(Role.MEMBER)
def portal(request):
    member = selectors.member_for_user(user=request.user)
    if member is None:
        raise Http404
    return render(request, "membership/portal.html", {"member": member})


@access(Role.SECRETARY, Role.ADMIN)
def office(request):
    return render(request, "membership/office.html", {
        "member_count": selectors.current_member_count(),
    })


@access(Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.ADMIN)
def register(request):
    return render(request, "membership/register.html", {
        "members": selectors.current_members()[:50],
    })
