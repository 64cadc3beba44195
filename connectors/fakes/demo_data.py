"""The demo organisation's social media, loaded into the fake platforms.

Two after-school clubs, "Oakfield" and "Brookside", each with its own Facebook Page,
and one organisation-wide Instagram account: 20 posts and 61 comments, mostly the
ordinary traffic of a childcare setting (booking questions, praise naming staff, photos
of crafts) plus four that the monitor must catch:

- ``bullying``: a parent abused by another parent in the comments;
- ``child_named``: a relative names a child in a photo, her age and her school;
- ``press_threat``: a complaint threatening to go to the local paper and the BBC;
- ``disclosure``: a parent relays a child's disclosure of abuse at the club.

The posts' photos are served by the same fake server (``/media/{name}.jpg``, see
``media.py``): ordinary activity pictures, plus three the photo checks must catch: a
Star of the Week certificate with a child's full name and school on it (OCR), a photo
whose EXIF carries GPS, and a "meet the team" photo with a face.

All names are invented. Times are relative to ``now`` (the last 12 days), so the demo
always looks fresh and sits inside the connectors' polling window.

    server = FakePlatformServer().start()
    demo = load_demo(server)
    accounts = demo_accounts(server)          # AccountConfig dicts
    os.environ.update(DEMO_ENV)               # the tokens those accounts name
    demo.notable["disclosure"]                # external id of that comment
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.fakes import media
from connectors.fakes.model import FakeWorld
from connectors.fakes.server import FakePlatformServer

OAKFIELD_PAGE = "104800000000001"
BROOKSIDE_PAGE = "104800000000002"
INSTAGRAM_USER = "17841400000000001"

DEMO_ENV = {
    "SAFEGUARD_DEMO_TOKEN": "demo-page-token-not-secret",
    "SAFEGUARD_DEMO_APP_SECRET": "demo-app-secret-not-secret",
    "SAFEGUARD_DEMO_VERIFY_TOKEN": "demo-verify-token",
}

HOUR = 3600.0
DAY = 24 * HOUR
#: A photo's name: ``load_demo`` turns it into the fake server's ``/media/{name}.jpg``
#: (connectors/fakes/media.py), or into this placeholder host when given a bare world.
IMG = "media:{}"
IMG_PLACEHOLDER = "https://images.example.org/demo/{}.jpg"

# (account key, hours ago, text, image or None, [comments])
# comment: (author, minutes after the post, text, notable key or None, [replies])
Reply = tuple[str, float, str, str | None]
Comment = tuple[str, float, str, str | None, list[Reply]]
Post = tuple[str, float, str, str | None, list[Comment]]

OAK, BROOK, IG = "oakfield", "brookside", "instagram"
CLUB = "__club__"  # the account itself replies

POSTS: list[Post] = [
    (OAK, 280, "Half-term holiday club bookings are now open! Mon–Fri 8am–6pm, £32 a day. Book through the parent portal.", None, [
        ("Sarah Jennings", 40, "Is there a sibling discount for the holiday club?", None, [
            (CLUB, 25, "Hi Sarah, yes, 10% off the second child. Any questions just give us a ring!", None)]),
        ("Mark Davies", 95, "Booked for all five days, thank you!", None, []),
        ("Aisha Rahman", 180, "Do you take childcare vouchers / tax-free childcare for holiday club?", None, [
            (CLUB, 60, "We do, Aisha: both are accepted.", None)]),
    ]),
    (OAK, 250, "Autumn leaf prints in the craft corner today 🍂 Look at those colours!", IMG.format("leaf-prints"), [
        ("Jo Whitaker", 30, "These are gorgeous, my two wouldn't stop talking about it", None, []),
        ("Priya Shah", 50, "Thank you Miss Hannah for making it so much fun 💛", None, []),
        ("Dan Cooper", 120, "Lovely idea, can we do conkers next?", None, []),
    ]),
    (OAK, 200, "Reminder: the club is closed on Friday for staff training. School collections run as normal on Monday.", None, [
        ("Kelly Marsh", 45, "Thanks for the reminder", None, []),
        ("Lee Benson", 80, "Is breakfast club closed too?", None, [
            (CLUB, 30, "Yes, breakfast club is closed on Friday as well, sorry Lee.", None)]),
        ("Gemma Fox", 200, "Third time this month nobody answered the phone when my son wasn't collected from school and I had to leave work. Absolutely disgraceful. If I don't hear from the manager by Friday I'm going straight to the Oakfield Gazette and BBC Look East.", "press_threat", []),
    ]),
    (OAK, 170, "Our football club went through to the final of the inter-club tournament ⚽ So proud of everyone!", IMG.format("football"), [
        ("Tom Harris", 20, "Brilliant coaching from Coach Ben as always", None, []),
        ("Nadia Ali", 65, "Well done everyone!!", None, []),
        ("Chris Porter", 140, "Great effort, they played their hearts out", None, []),
    ]),
    (OAK, 140, "We're recruiting! Playworker, 15 hours a week term time. Level 2 or 3 in playwork or childcare preferred. DM us or email jobs@example.org.", None, [
        ("Beth Morgan", 30, "Shared! My friend would be perfect", None, []),
        ("Olivia Grant", 90, "Do you need a DBS already to apply?", None, [
            (CLUB, 40, "Not to apply, Olivia: we arrange the enhanced DBS check for the successful candidate.", None)]),
    ]),
    (OAK, 100, "Pumpkin carving photos are up on the parent portal 🎃", IMG.format("pumpkins"), [
        ("Karen Whitfield", 25, "Love these, thank you for organising", None, [
            ("Stacey Dunn", 70, "@Karen Whitfield everyone at pick-up knows you're a useless drunk, no wonder your kid is feral. Do us all a favour and move away, nobody wants you here.", "bullying")]),
        ("Ryan Patel", 60, "The spooky one with the bat is amazing", None, []),
        ("Hannah Lee", 150, "Such a talented bunch", None, []),
    ]),
    (OAK, 60, "This week's Star of the Week certificate ⭐ Well done, superstar!", IMG.format("certificate-star-of-the-week"), [
        ("Sue Barker", 30, "Well done everyone, what a community", None, []),
        ("Mo Hussain", 75, "Amazing 👏", None, []),
    ]),
    (OAK, 20, "Pyjama day on Friday for Children in Need! £1 donation, wear your comfiest PJs.", None, [
        ("Laura Kent", 15, "Can they bring a teddy too?", None, [
            (CLUB, 20, "Of course Laura, teddies very welcome!", None)]),
        ("Jenny Walsh", 45, "My daughter came home crying again. She said one of the older boys at club touches her when the staff aren't looking and told her she'll get in trouble if she tells anyone. I don't know who to speak to about this.", "disclosure", []),
    ]),
    (BROOK, 270, "Welcome to our new families joining Brookside this term! Pop in any afternoon to meet the team.", None, [
        ("Emma Clarke", 60, "Thank you, my son has settled in so well", None, []),
        ("James Wood", 130, "Which door do we use for pick-up?", None, [
            (CLUB, 35, "Hi James, the green door by the car park.", None)]),
    ]),
    (BROOK, 230, "Salt dough decorations drying on the windowsill 🎄", IMG.format("salt-dough"), [
        ("Rachel Green", 35, "That's our Lily Thompson in the purple top! She's only 6 and goes to St Mary's C of E Primary on Elm Road, so proud of her x", "child_named", []),
        ("Anna Novak", 80, "So cute!", None, []),
        ("Paul Edwards", 160, "Mrs Okafor is a saint for managing the glitter 😂", None, []),
    ]),
    (BROOK, 190, "Parents' evening next Thursday 4–7pm. Come and see what the children have been making.", None, [
        ("Sophie Turner", 50, "Will there be a slot after 6? I work late", None, [
            (CLUB, 25, "Yes Sophie, slots run until 7pm. Just book one on the portal.", None)]),
        ("Imran Khan", 100, "Looking forward to it", None, []),
    ]),
    (BROOK, 150, "Den building in the woodland area today 🌳", IMG.format("den-building-gps"), [
        ("Holly Baker", 30, "Mine came home covered in mud and very happy", None, []),
        ("Gary Lewis", 90, "Best club ever according to my two", None, []),
        ("Zoe Adams", 120, "Thanks Mr Daniel for getting stuck in!", None, []),
    ]),
    (BROOK, 110, "We have a few spaces left for Tuesday and Thursday sessions this term.", None, [
        ("Natalie Hughes", 20, "Do you collect from Brookside Juniors?", None, [
            (CLUB, 30, "We do Natalie, we walk over at 3.15 every day.", None)]),
        ("Fiona Reid", 70, "Is there a waiting list for Wednesdays?", None, []),
    ]),
    (BROOK, 75, "Well done to our cooking club for their amazing flapjacks!", IMG.format("flapjacks"), [
        ("Kirsty Bell", 25, "Recipe please!!", None, []),
        ("Adam Price", 60, "Tasted great, Tom brought one home to share", None, []),
        ("Lucy Ward", 100, "Chef Sam strikes again", None, []),
    ]),
    (BROOK, 30, "Lost property is piling up! Please check the box by the door before half-term.", None, [
        ("Claire Young", 30, "I think there's a blue water bottle of ours", None, []),
        ("Martin Scott", 80, "Ha, how many jumpers are in there?!", None, []),
    ]),
    (IG, 260, "Crafts from both clubs this week ✂️🎨 #afterschoolclub", IMG.format("crafts-week"), [
        ("mum_of_three_uk", 40, "Gorgeous!", None, []),
        ("daddydaycare88", 100, "My daughter made the rainbow one 🌈", None, []),
    ]),
    (IG, 210, "Meet the team: Hannah has been a playworker at Oakfield for 6 years 💛", IMG.format("face-meet-hannah"), [
        ("jess.outdoors", 30, "Hannah is the best!", None, []),
        ("sam_k_1984", 90, "My son adores her", None, []),
    ]),
    (IG, 130, "Sports day practice at Brookside 🏃", IMG.format("sports-day"), [
        ("fitfamily_ldn", 45, "Love this", None, []),
        ("oakfield_mum_2", 70, "Go team Brookside!", None, []),
        ("the.busy.parent", 95, "What time is the real sports day?", None, []),
    ]),
    (IG, 80, "Autumn walk 🍁", IMG.format("autumn-walk"), [
        ("nana_pat", 30, "Beautiful photos", None, []),
        ("r.hughes", 60, "Wrap up warm everyone!", None, []),
        ("grandad_mike", 120, "Lovely to see them outdoors", None, []),
    ]),
    (IG, 15, "Christmas craft week starts Monday 🎄✨", IMG.format("xmas-crafts"), [
        ("mum_of_three_uk", 20, "Can't wait to see what they make", None, []),
        ("coffeeandcrayons", 50, "Do they need to bring anything?", None, [
            (CLUB, 30, "Just an old t-shirt for the messy bits!", None)]),
        ("jess.outdoors", 90, "Love craft week 🎨", None, []),
    ]),
]

ACCOUNTS = {
    OAK: ("facebook", OAKFIELD_PAGE, "Oakfield After School Club", "oakfieldclub"),
    BROOK: ("facebook", BROOKSIDE_PAGE, "Brookside After School Club", "brooksideclub"),
    IG: ("instagram", INSTAGRAM_USER, "Sunflower Clubs", "sunflowerclubs"),
}


@dataclass
class DemoData:
    """What ``load_demo`` put into the fake: ids to look things up by."""

    posts: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    notable: dict[str, str] = field(default_factory=dict)  # key -> comment external id


def load_demo(server: FakePlatformServer | FakeWorld, *, now: float | None = None) -> DemoData:
    """Fill the fake platforms with the demo organisation; returns the ids created."""
    world = server.world if isinstance(server, FakePlatformServer) else server
    now = time.time() if now is None else now
    out = DemoData()
    names = [image.removeprefix("media:") for *_, image, _ in POSTS if image]
    photo: Callable[[str], str]
    if isinstance(server, FakePlatformServer):
        media.warm(names)  # render the photo files now, not under the world's lock later
        photo = functools.partial(media.media_url, server.url)
    else:
        photo = IMG_PLACEHOLDER.format
    for platform, acc_id, name, handle in ACCOUNTS.values():
        world.add_account(platform, acc_id, name=name, handle=handle)
    for key, hours_ago, text, image, comments in POSTS:
        platform, acc_id, acc_name, handle = ACCOUNTS[key]
        created = now - hours_ago * HOUR
        url = photo(image.removeprefix("media:")) if image else None
        post = world.add_post(platform, acc_id, text, created=created, media_url=url)
        out.posts.append(post.id)
        for author, minutes, ctext, notable, replies in comments:
            c_at = min(created + minutes * 60, now - 60)
            c = world.add_comment(post.id, ctext, author_name=author, created=c_at)
            out.comments.append(c.id)
            if notable:
                out.notable[notable] = c.id
            for r_author, r_minutes, rtext, r_notable in replies:
                own = r_author == CLUB
                r = world.add_comment(
                    post.id, rtext, parent_id=c.id,
                    author_name=acc_name if own else r_author,
                    author_id=acc_id if own else None,
                    author_handle=handle if own else "",
                    created=min(c_at + r_minutes * 60, now - 30),
                )
                out.comments.append(r.id)
                if r_notable:
                    out.notable[r_notable] = r.id
    return out


def demo_accounts(server: FakePlatformServer | str) -> list[dict[str, Any]]:
    """AccountConfig dicts for the demo, pointed at ``server`` (or a server URL)."""
    url = server.url if isinstance(server, FakePlatformServer) else server.rstrip("/")
    common = {
        "token_env": "SAFEGUARD_DEMO_TOKEN",
        "app_secret_env": "SAFEGUARD_DEMO_APP_SECRET",
        "verify_token_env": "SAFEGUARD_DEMO_VERIFY_TOKEN",
        "poll_interval": 30,
    }
    return [
        {"id": "oakfield-facebook", "platform": "facebook", "external_id": OAKFIELD_PAGE,
         "handle": "oakfieldclub", "location": "oakfield", "base_url": f"{url}/facebook", **common},
        {"id": "brookside-facebook", "platform": "facebook", "external_id": BROOKSIDE_PAGE,
         "handle": "brooksideclub", "location": "brookside", "base_url": f"{url}/facebook", **common},
        {"id": "sunflower-instagram", "platform": "instagram", "external_id": INSTAGRAM_USER,
         "handle": "sunflowerclubs", "location": None, "base_url": f"{url}/instagram", **common},
    ]
