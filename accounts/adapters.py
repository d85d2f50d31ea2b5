from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: accounts are made when a member is admitted or an officer is
    appointed (governance.services.officer_appoint)."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """allauth tells the account's address about changes to it (a new address, a new
        password, two-factor set up). A person choosing their first password through their
        invitation link has changed nothing they would need warning of."""
        if template_prefix == "account/email/password_reset" and user.last_login is None:
            return
        super().send_notification_mail(template_prefix, user, context=context, email=email)

    def send_mail(self, template_prefix, email, context_data):
        if context.request is not None:
            return super().send_mail(template_prefix, email, context_data)
        # Outside a request (a notice sent after the commit that ended it): the site is
        # the address the platform is served at.
        site = SimpleNamespace(name=settings.PLATFORM_NAME,
                               domain=urlsplit(settings.SITE_URL).netloc)
        self.render_mail(template_prefix, email, {
            "email": email, "current_site": site, **context_data}).send()
