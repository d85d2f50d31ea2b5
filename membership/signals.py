"""What the membership app does when allauth changes an account."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from .services.members import member_email_follow_login


@receiver(email_changed)
def on_login_email_changed(sender, request, user, from_email_address, to_email_address,
                           **kwargs):
    if from_email_address is not None:
        member_email_follow_login(user=user, old_email=from_email_address.email,
                                  new_email=to_email_address.email)
