"""Registers every staff view on the Admin, in the order of the staff menu."""

from ..accounts.models import Group, User
from ..audit import AuditEvent
from ..bookings.models import Booking
from ..venues.models import Closure, OpeningHours, Service, Space, Tariff, Venue, VenuePhoto
from .audit_log import AuditLogView
from .bookings import BookingView
from .calendar import CalendarView
from .caller import CallerBookingView
from .closures import ClosureView
from .groups import GroupView
from .people import ServiceView, UserView
from .report_views import ReportsView
from .requests_queue import RequestsView
from .venues import OpeningHoursView, PhotoView, SpaceView, TariffView, VenueView


class Hidden:
    """Reached from a venue's or space's page rather than the menu, to keep the menu short."""

    def is_visible(self):
        return False


class HiddenSpaceView(Hidden, SpaceView):
    pass


class HiddenOpeningHoursView(Hidden, OpeningHoursView):
    pass


class HiddenTariffView(Hidden, TariffView):
    pass


class HiddenPhotoView(Hidden, PhotoView):
    pass


def register_views(admin) -> None:
    admin.add_view(RequestsView(name="Requests", endpoint="requests", url="/admin/requests"))
    admin.add_view(CalendarView(name="Calendar", endpoint="calendar", url="/admin/calendar"))
    admin.add_view(BookingView(Booking, "Bookings", endpoint="booking"))
    admin.add_view(CallerBookingView(name="Book for a caller", endpoint="book_for_caller", url="/admin/book-for-caller"))
    admin.add_view(VenueView(Venue, "Venues", endpoint="venue"))
    admin.add_view(HiddenSpaceView(Space, "Spaces", endpoint="space"))
    admin.add_view(HiddenOpeningHoursView(OpeningHours, "Opening hours", endpoint="openinghours", url="/admin/opening-hours"))
    admin.add_view(HiddenTariffView(Tariff, "Rates", endpoint="tariff", url="/admin/rates"))
    admin.add_view(HiddenPhotoView(VenuePhoto, "Photos", endpoint="venuephoto", url="/admin/photos"))
    admin.add_view(ClosureView(Closure, "Closures", endpoint="closure"))
    admin.add_view(GroupView(Group, "Groups", endpoint="group"))
    admin.add_view(ReportsView(name="Reports", endpoint="reports", url="/admin/reports"))
    admin.add_view(AuditLogView(AuditEvent, "Audit log", endpoint="audit", url="/admin/audit-log"))
    admin.add_view(UserView(User, "Users", endpoint="user"))
    admin.add_view(ServiceView(Service, "Services", endpoint="service"))
