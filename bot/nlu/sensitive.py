"""Rules for the two outcomes the dialogue handles on purpose: threats and bereavement.

Both read the normalised text (`bot.nlu.normalise`: lower-case ASCII, contractions expanded).
A threat is violence or harm announced against the sender or its staff, open or veiled ("je sais
où sont vos bureaux, vous allez le regretter"); bereavement is the debtor's death ("this was my
late husband's number", "mon père est décédé").
"""

from __future__ import annotations

import re

from bot.nlu.prefilter import gated, guarded_search

_ME_YOU = r"(?:vous|te|t|toi|you|u|ya|y all|your staff|your people|vos employes|ton|ta|tes|votre|vos)"

THREAT = re.compile(
    r"(?:^|(?<![a-z0-9_]))\b(?:"  # tested at word starts only (see `intent_patterns._WORD_START`)
    # French: open threats
    rf"(?:je vais|j vais|jvais|je vais venir|on va|je viens|je vais aller) (?:\w+ ){{0,2}}{_ME_YOU} ?"
    r"(?:casser|defoncer|buter|tuer|fumer|crever|egorger|cogner|frapper|planter|detruire|exploser|allumer|eclater"
    r"|retrouver|faire la peau|regler (?:son|ton|votre) compte|faire regretter|rendre (?:une )?visite"
    r"|faire (?:une )?visite|faire du mal|pourrir|saigner|massacrer|bruler|tabasser)"
    r"|(?:casser|peter|defoncer|eclater) (?:la|ta|votre|vos|les) (?:gueule|tete|figure|dents|jambes|bureaux?|agence)"
    r"|j te bute|je te bute|jte bute|je vous bute|te buter|vous buter|te tuer|vous tuer|jte fume|je te fume"
    r"|te faire la peau|vous faire la peau|(?:vous allez|tu vas|vous aller|tu va) (?:\w+ ){0,2}regretter"
    r"|(?:vous|tu) (?:le )?regretterez|(?:vous|tu) (?:le )?regretteras|vous ne perdez rien pour attendre"
    r"|je sais (?:ou|ou est ce que|la ou) (?:vous|tu|t|ta|ton|vos|votre|se trouvent?|sont|est|elle|il) (?:\w+ )?"
    r"(?:habite\w*|travaill\w*|bosse\w*|etes|es|bureaux?|agence|locaux|famille|enfants|vit|vivez|vis|gare\w*)"
    r"|(?:bruler|incendier|faire sauter|mettre le feu a) (?:votre|vos|ta|ton|tes|l|la|le|les) ?\w*"
    r"|fusil|flingue|kalach\w*|couteau|sale quart d heure|ce qui va (?:vous|t|te) arriver|gare a (?:vous|toi)"
    r"|(?:vous|tu) (?:allez|vas|va) (?:le )?payer (?:tres )?cher|attention a (?:vous|toi|tes|vos) (?:fesses|abattis)"
    r"|vous allez voir ce que vous allez voir|tu vas voir ce que tu vas voir|on se retrouvera"
    r"|(?:vos|tes) (?:jours|heures) sont comptes|fais gaffe a toi|faites gaffe a vous"
    # English
    r"|(?:i will|i am going to|i am gonna|im gonna|gonna|i ll|ill|we will|we are going to) (?:\w+ ){0,2}"
    r"(?:kill|hurt|beat|smash|burn|shoot|stab|come for|come after|destroy|break|punch|strangle|wreck) "
    r"(?:you|u|ya|your|every one of you|whoever)\b"
    r"|watch your back|watch yourself|(?:you will|you are going to|you gonna|u will|you ll) (?:\w+ ){0,2}regret"
    r"|regret (?:this|it) (?:i promise|trust me)|i know where (?:you|u|your|ur|the office|you lot)\w*"
    r"|(?:burn|blow) (?:down|up) (?:your|ur|the)|(?:gun|shotgun|rifle|knife|baseball bat|crowbar)"
    r"|you will pay for (?:this|that)|(?:you have|you have been|consider yourself|you ve been) warned"
    r"|(?:better|best) watch out|something (?:bad )?(?:will|might|could|is going to) happen to you"
    r"|break your (?:legs|neck|face|knees|arms|windows)|pay (?:you|your office|ur office) a (?:little )?visit"
    r"|pay\w* (?:you|your \w+|ur \w+|them|him|her|you lot|u) a (?:little |small |personal )?visit"
    r"|(?:bring|need|call|get) (?:a |an )?"
    r"(?:first aid kit|ambulance|body bag|coffin|doctor)|(?:coming|come|turn up|show up|stop by|drop by|pop round"
    r"|swing by) (?:down )?(?:there |to |round to |over to |at |by )?(?:your|ur) (?:place|house|office|home|door"
    r"|work|agency|building)|(?:je )?(?:viens|vais venir|passe|vais passer|debarque|vais debarquer|vais monter)"
    r" (?:chez vous|chez toi|a votre agence|a vos bureaux|vous voir)|faites attention (?:a vous|en sortant|quand vous)"
    r"|fais attention (?:a toi|en sortant)|(?:fais|faites) gaffe (?:a toi|a vous|en sortant|quand (?:tu|vous))"
    r"|(?:je|j) (?:ferais|ferai) (?:attention|gaffe) (?:\w+ ){0,3}(?:en sortant|quand je (?:demarre|sors|rentre))"
    r"|(?:leave|leaving|leaves|go home|going home|goes home) in (?:an ambulance|a body bag|a box|a coffin)"
    r"|(?:bidon|jerrican|jerricane|can|jerry can) (?:d |of )?(?:essence|petrol|gasoline|gas)"
    r"|(?:refais|refaire|refait|refaire) (?:le|son|ton|votre) portrait"
    r"|somebody is getting hurt|someone is getting hurt|getting hurt"
    # "I'd put u in hospital", "vos employés non plus ne seront plus en sécurité"
    r"|on (?:va se|se) (?:retrouver|retrouvera|reverra|revoir)\W+(?:vous et moi|toi et moi|entre nous)\b"
    r"|put (?:you|u|ya|ye|yous|you lot|one of you) in (?:the |a )?(?:hospital|hosp|a&e|intensive care|a wheelchair)"
    r"|(?:vous|vos \w+|votre \w+)(?: \w+){0,3} (?:ne )?(?:serez|seront|sera) plus en securite"
    r"|(?:you|your \w+)(?: \w+){0,2} (?:will not|wo not|would not|are not going to) be safe"
    r"|with my (?:bat|gun|fists|shotgun|knife)|avec mon (?:fusil|flingue|couteau|batte)"
    # a dog or friends brought along on a visit ("I'll be waiting at the door. With my dog."), not a dog met
    # ("il a été super patient avec mon chien")
    r"|(?:wait\w*|come|coming|comes|round|visit\w*|door|doorstep|office|show up|turn up|swing by|drop by)(?: \w+){0,6}"
    r" with my (?:dogs?|boys|mates|lads)|(?:passe\w*|viens|venir|viendrai|viendrons|debarque\w*|attend\w*|porte"
    r"|visite|bureaux?|agence|monte\w*)(?: \w+){0,6} avec mon (?:chien|pote|molosse|pitbull)"
    r"|pray we never meet|hope (?:you|u) (?:all )?(?:burn|die|rot)|wish you never|j espere que vous (?:crevez|brulez)"
    r"|show you what \w+ (?:really )?(?:looks|is) like"
    r"|(?:je|j) (?:te|vous) (?:retrouve|trouve|attrape|chope|choppe|defonce|bute|fume|explose)"
    r"|(?:tu vas|vous allez) (?:comprendre (?:ta|votre) douleur|souffrir|morfler|deguster|prendre cher)"
    r"|show up at your|come round (?:to )?your|you will be sorry|you are dead|your days are numbered"
    # "keep pushing me and you'll see what I'm capable of", "when I get my hands on whoever sends these"
    r"|(?:you will|you ll|u will|u ll) see what (?:i am|i m|im) (?:really )?capable of"
    r"|(?:vous allez|tu vas|vous aller|tu va) voir (?:de quoi|ce dont) (?:je suis|j suis|chui) capable"
    r"|(?:get|lay|put) my hands on (?:you|u|ya|whoever|the (?:person|guy|one|idiot|clown)|one of you|them)"
    r"|i will be waiting for you|not the last you will hear|wo not see it coming"
    r"|will not see it coming|you will not know what hit you|sleep with one eye open"
    r"|(?:kick|knock|smash|punch|bash) (?:your|ur|yer|their|his) (?:\w+ )?(?:teeth|head|face|skull) in"
    r"|(?:je viens|je vais venir|je vais) (?:vous|te|t) (?:en )?(?:coller une|etrangler|etrangle|casser la figure)"
    r"|(?:you people|you lot|you all|y all) are (?:dead|finished|done for)|vous etes (?:tous )?des hommes morts"
    r"|enjoy (?:it|this|that|your \w+|the \w+) while (?:you|u) (?:still )?can"
    r"|profit(?:ez|e) en (?:bien )?(?:tant que|pendant que) (?:vous|tu) (?:le )?(?:pouvez|peux)"
    r"|(?:c est )?peut etre (?:votre|ton|ta) (?:dernier|derniere)\b(?! (?:rappel|relance|message|sms|avis|facture))"
    r"|lock your doors|(?:see|watch) (?:them|your kids|your children|your family) grow up"
    r"|(?:never|not) (?:work|walk) again\b(?:\W+\w+){0,2} (?:or )?walk again|or walk again"
    r"|coups? de (?:batte|poing|couteau)|vous jouez avec le feu"
    r"|il (?:pourrait|peut|va) (?:vous|te|t) arriver (?:des choses|quelque chose|malheur|un malheur)"
    # "je retrouve la personne qui l'envoie et je la démolis", a weapon drawn beside the words ("🔪")
    r"|(?:je|j) (?:vais )?(?:la|le|les|vous|te|t) (?:demoli\w*|defonce\w*|massacre\w*|detrui\w*|tabasse\w*)"
    r"|(?:je|j) (?:vais )?(?:retrouve\w*|trouve\w*|chope\w*) (?:la personne|celui|celle|ceux|le type|le mec"
    r"|l employe|qui que ce soit|la meuf) qui|emo_weapon"
    r")\b"
)

# Veiled threats: luck that the sender is out of reach, accidents that "happen", a visit in person.
# Weaker words than `THREAT` ("accidents happen" may excuse a late payment): `bot.nlu.combine`
# reads them as a threat only in a message that carries no payment, plan or difficulty.
VEILED = re.compile(
    r"(?:^|(?<![a-z0-9_]))\b(?:"
    r"(?:you are|you re|u r|ur|t as|tu as|vous avez) (?:\w+ ){0,2}(?:lucky|de la chance) (?:\w+ ){0,6}"
    r"(?:hiding|behind|derriere|pas en face|not in front|not here|je ne sais pas ou|i do not know where)"
    r"|accidents? (?:happen|can happen|do happen|arrivent|arrive vite|est vite arrive)|un accident est vite arrive"
    r"|(?:would|it d) be a (?:shame|pity) if (?:something|anything)"
    r"|(?:ce serait|ca serait|c est) (?:dommage|bete|triste|malheureux) qu il (?:vous|t|te|lui|leur) arrive"
    # "I'd hate for something to happen to your staff on their way home"
    r"|(?:would|d) hate (?:for )?(?:something|anything) (?:bad )?to happen to (?:you|u|your|ur|them|the)"
    r"|(?:on ne sait|on sait|you never know|nobody knows) (?:\w+ ){0,2}(?:jamais )?(?:ce qui|what) (?:\w+ ){0,2}"
    r"(?:peut|pourrait|might|could|can|may) (?:\w+ ){0,3}(?:arriver|happen)"
    r"|devant (?:ta|votre|vos) (?:porte|maison|bureaux?|agence)|en bas de chez (?:vous|toi)"
    r"|(?:at|on|outside) (?:your|ur) (?:door|doorstep|front door|house|home)"
    # "continuez et je passe avec mes potes"
    r"|(?:je|j|on) (?:\w+ ){0,2}(?:passe|passerai|viens|viendrai|debarque|monte|vais passer|vais venir|vais debarquer)"
    r" (?:\w+ ){0,3}avec (?:mes|des) (?:potes|gars|cousins|freres|amis)\b"
    r"|je connais du monde|j ai des (?:amis|potes|cousins) qui (?:\w+ ){0,3}(?:moins|pas) (?:polis|gentils|patients)"
    r"|i know (?:some )?(?:people|guys|lads) who (?:\w+ ){0,3}(?:less|not (?:as|so)) (?:polite|nice|patient|friendly)"
    r"|settle (?:this|it|things|that|the matter) (?:in person|face to face|man to man|the old fashioned way)"
    r"|regler (?:ca|cela|ceci|ce probleme|nos comptes|l affaire) (?:en personne|face a face|entre hommes|a l ancienne)"
    r"|(?:hope|hopefully) (?:you|u) (?:have|got) (?:good|decent|tight) security"
    r"|(?:tu|vous) (?:fais|faites|ferez|feras) (?:toujours |encore )?(?:le|les) malins? quand"
    r"|(?:you|they|u|he|she) (?:will|ll) be sorry|vous (?:allez|aller) le (?:payer|sentir)"
    # "vous voulez que je vienne vous voir ? vous allez pas aimer", "you won't like it"
    r"|(?:vous|tu) (?:n )?(?:allez|aller|vas|va) (?:pas|vraiment pas) (?:aimer|apprecier)"
    r"|(?:you|u) (?:will not|wo not|are not going to|aren t going to) (?:like|enjoy) (?:it|this|what)"
    r"|(?:quelqu_un|someone|somebody) (?:va|will|is going to) (?:vous|te|you|make you) (?:faire )?pay"
    r"|i (?:will|ll) find (?:you|whoever|the person|out who)"
    r"|(?:mefiez vous|mefie toi|mefies toi|be careful out there)"
    r"|(?:think|thinking|you think) (?:you are|you re|ur|u r) safe\b|(?:sort|sortira|sortent) de prison"
    r"|(?:je sais|i know) (?:qui|who) (?:vous etes|tu es|you are|ur|you re)"
    r"|(?:vous avez|tu as|do you have|have you got|you got) (?:une famille|des enfants|des gosses|kids|children"
    r"|a family)(?= ?\?)"
    r"|(?:ta|votre|your|ur) (?:voiture|car|maison|house) (?:\w+ ){0,2}(?:garee|parked|est ou|is where)"
    r"|sleep well tonight|dors bien cette nuit|dormez bien cette nuit"
    # "arrêtez de m'appeler si vous voulez pas d'ennuis", "if you don't want trouble"
    r"|si (?:vous|tu) (?:ne )?(?:voulez|veux|tenez a) (?:pas|plus) (?:avoir )?(?:d ennuis|de problemes|d embrouilles)"
    r"|if (?:you|u) (?:do not|don t|dont) want (?:any )?(?:trouble|problems|hassle)"
    r"|if (?:you|u) know what is good for (?:you|u)"
    r"|(?:tell|warn) (?:your|ur) (?:boss|manager|staff) (?:\w+ ){0,2}(?:on my way|coming)"
    r"|j ai (?:votre|ton) (?:nom|adresse) maintenant|i have (?:your|ur) (?:name|address) now"
    # advice on the way home: "changez de trajet pour rentrer le soir", "look over your shoulder"
    r"|(?:changez|change|changer|changes) (?:de |d |your |ton |votre )(?:trajet|route|itineraire|chemin|way home)"
    r"|(?:take|prenez|prends) (?:a |un )?(?:different|another|autre) (?:route|way|chemin|trajet) home"
    r"|(?:look|looking) over (?:your|ur) shoulder|regardez derriere vous|regarde derriere toi"
    # someone warned off: "le dentiste a intérêt à pas se montrer dans le quartier", "he'd better not show his face"
    r"|(?:a|ont|avez|as|aurait|auraient|aura) (?:tout |bien )?interet a (?:ne )?(?:pas|plus|jamais)"
    r" (?:se|me|nous|vous|te) (?:montrer|pointer|croiser|recroiser|trouver|approcher)"
    r"|(?:better|best) not (?:show (?:his|her|their|your|ur) (?:face|nose)|come (?:near|round|around)|cross my path"
    r"|let me (?:see|catch|find))"
    r"|(?:careful|attention) (?:on|walking|driving|en rentrant|sur le chemin|sur la route) (?:\w+ ){0,2}"
    r"(?:home|tonight|ce soir|le soir|chez vous|chez toi)"
    r")\b"
)

_DEATH = (
    r"(?:decede|decedee|decedes|deces|est mort|est morte|sont morts|nous a quitte|nous a quittes|nous a quittee"
    r"|nous ont quittes|disparu recemment|feu mon|feue ma|defunt|defunte|veuve|veuf"
    # "went home to the Lord", "gone to be with the Lord", "s'est éteint", "rappelé à Dieu"
    r"|went home to (?:the lord|god|glory|jesus)|(?:went|gone|called) (?:home )?to be with (?:the lord|god|jesus)"
    r"|called home to (?:the lord|god|glory)|went to glory|rappele(?:e)? a dieu"
    r"|(?:pere|mere|mari|femme|papa|maman|fils|fille|frere|soeur|epoux|epouse|compagnon|compagne)"
    r" (?:\w+ ){0,2}s est eteinte?"
    r"|inhume|inhumee|succession|notaire|probate|executor|executrix"
    r"|(?:vient|viennent|venait|venaient) de (?:mourir|deceder|nous quitter)|just passed away"
    r"|passed away|passed on|has died|had died|died|is dead|was dead|deceased"
    r"|widow|widower|no longer with us|falleci\w*|fallecido|(?:husband|wife|father|mother|dad|mum|mom|mam|mammy"
    r"|mammie|son|daughter|brother|sister|partner|mari|femme|pere|mere|papa|maman|fils|fille|frere|soeur)"
    r" (?:\w+ ){0,2}(?:passed|die|dies)|lost my (?:husband|wife|father|mother|dad|mum|mom|son|daughter)"
    r"|(?:we|i|they) buried (?:her|him|them|my|our|his)|(?:l|les) (?:avons|ont|a) enterre\w*|enterrement"
    r"|funeral was|obseques ont eu lieu|r i p|in heaven|au ciel|a perdu la vie|lost (?:his|her) life"
    r"|perdu mon (?:mari|pere|fils|frere|compagnon)"
    r"|perdu ma (?:femme|mere|fille|soeur|compagne)|late (?:husband|wife|father|mother|dad|mum|mom|son|daughter|"
    r"brother|sister|partner|uncle|aunt|grandfather|grandmother|gran|grandad|friend))"
)
BEREAVEMENT = re.compile(rf"(?:^|(?<![a-z0-9_]))\b{_DEATH}\b")
# a thing that died, not a person ("the fridge died after 3 days", "ma voiture est morte"): read as no death by
# `bereavement` and as no difficulty by the intent rules (`bot.nlu.intent_patterns.NOT_A_DIFFICULTY`)
THINGS_THAT_DIED = (
    r"\b(?:fridge|freezer|tv|television|telly|machine|washer|dryer|printer|device|product|item|unit|engine|screen"
    r"|console|tablet|mower|boiler|oven|phone|battery|car|laptop|computer|frigo|ecran|appareil|produit|moteur"
    r"|tablette|imprimante|chaudiere|four|telephone|batterie|voiture|ordi|ordinateur|lave linge|lave vaisselle)"
    # not a person between ("it's my son's old phone, he is dead since August")
    r" (?:(?!(?:he|she|they|il|elle|ils|elles|who|qui|whose|dont|owner|user|proprietaire)\b)\w+ ){0,2}"
    r"(?:was |is |has |had |just |arrived |came |est |etait )?(?:dead|died|mort|morte|decede)\b"
)
# "mort de rire", "dead broke", "I'm dead tired": no one died
_NOT_DEATH = re.compile(
    r"\b(?:morte?s? de (?:rire|fatigue|peur|honte|froid)|(?:died|dying|die|dies) (?:laughing|of laughter|of shame"
    r"|of embarrassment)|dead (?:broke|tired|serious|end|line|on arrival)|i am dead|je suis mort"
    r"|(?:see|c|ca) est mort|d o a)\b"
    # goods that died: "the fridge was dead on arrival", "the printer died after a week", "l'écran est mort"
    f"|{THINGS_THAT_DIED}"
)


# searches not run on texts without the beginnings of their matches, each branch tried only where its
# own beginnings stand (same spans)
_WORD_START = r"(?:^|(?<![a-z0-9_]))\b"
_THREAT_SEARCH = gated(THREAT, _WORD_START, r"\b").search
_VEILED_SEARCH = gated(VEILED, _WORD_START, r"\b").search
_DEATH_SEARCH = gated(BEREAVEMENT, _WORD_START, r"\b").search
_NOT_DEATH_SEARCH = guarded_search(_NOT_DEATH)


# a visit announced ("I'll stop by your office", "je passe à votre agence") is a threat, unless the debtor comes to
# pay: "I'll stop by your office Monday and pay cash", "je passe à votre agence samedi régler en espèces"
_VISIT = re.compile(
    r"(?:coming|come|turn up|show up|stop by|drop by|pop round|swing by|(?:je )?(?:viens|vais venir|passe"
    r"|vais passer|debarque|vais debarquer|vais monter))\b.*"
    r"\b(?:place|house|office|home|door|work|agency|building|chez vous|chez toi|agence|bureaux|vous voir)$"
)
_COMES_TO_PAY = re.compile(
    r"\b(?:pay|paying|payer|paierai|payerai|paie|paye|regler|reglerai|settle the (?:bill|invoice|balance|account)"
    r"|cash|especes|liquide|cheque|check|the money|l argent|le montant|la somme|what i owe|ce que je (?:vous )?dois)\b"
)
# ... but not where the creditor is the one who will pay: "you'll pay for this", "vous allez me le payer"
_THEY_PAY = re.compile(
    r"\b(?:you|u|ya|they|vous|tu|vos \w+|votre \w+)(?: \w+){0,3} (?:pay|payer|paierez|paieras|paieront|paiera)\b"
)


def threat(norm: str) -> re.Match[str] | None:
    """The words of a threat of violence or harm, if the text carries one (a visit to pay is none)."""
    found = _THREAT_SEARCH(norm)
    if found is None or not _VISIT.match(found.group(0)):
        return found
    # the payment said with the visit ("… your office on Monday and pay it in cash"), not anywhere in the text
    if not _COMES_TO_PAY.search(norm, found.end(), found.end() + 50) or _THEY_PAY.search(norm):
        return found
    # the visit was to pay: another threat in the text still counts
    rest = norm[: found.start()] + " " * (found.end() - found.start()) + norm[found.end() :]
    return _THREAT_SEARCH(rest)


def veiled_threat(norm: str) -> re.Match[str] | None:
    """The words of a veiled threat ("accidents happen", "you're lucky you're hiding behind a screen")."""
    return _VEILED_SEARCH(norm)


# any word of a death, loosely (not the idioms of `_NOT_DEATH`): without one, a model's reading of a bereavement
# ("sorted last month", "my daughter nearly died laughing") is not taken (see `bot.nlu.combine`)
_DEATH_WORD = re.compile(
    r"\b(?:decede\w*|deces|morte?s?|defunt\w*|veuve?|veuf|obseques|enterr\w*|inhum\w*|funer\w*|buried"
    r"|bury|burial|died|dies?|dying|dead|death|deceased|passed|passing|late|widow\w*|r i p|rip|heaven|ciel|paradis"
    r"|quitte\w*|eteinte?|disparue?|perdu|lost|succession|notaire|estate|probate|executor|grave|tombe|cimetiere"
    r"|cemetery|condolences|condoleances|hospice|repose en paix|paix a son ame|n est plus|no longer with us|gone"
    r"|fallec\w*|expired|lord|dieu|god|partie?s?|rejoindre|rejoint|left us|emo_weapon|emo_please|emo_sad"
    # mourning, illness and its end, what follows a death
    r"|deuil|endeuill\w*|mourning|grie\w*|chagrin|sorrow|survecu|survive\w*|make it|made it|cancer\w*|illness"
    r"|maladie|malade|sick|ill|hospital\w*|hopital|palliati\w*|crema\w*|ashes|cendres|memorial|hommage|wake"
    r"|angel|ange|anges|upstairs|plus la|plus parmi|not with us|not here anymore|no more|tragic\w*|tragique"
    r"|accident|rest"
    # as phones and ears spell them: "dcd", "past away", "dyed", "diseased", "désédé", "enteremment"
    r"|dcd|dcde|dcdee|decd|past away|passd|pased|dyed|diseased|desede\w*|dessede\w*|deseder|mor|mors"
    r"|enterem\w*|funral\w*|obsek\w*|buryed|berried|widdow\w*)\b"
)


def death_said(norm: str) -> bool:
    """Some word of a death in the text, once the idioms that only sound like one are set aside."""
    return _DEATH_WORD.search(_NOT_DEATH.sub(" ", norm) if _NOT_DEATH_SEARCH(norm) else norm) is not None


def death_idiom_only(norm: str) -> bool:
    """The text speaks of a death only in an idiom ("ma fille est morte de rire", "dead tired")."""
    return _NOT_DEATH_SEARCH(norm) is not None and _DEATH_WORD.search(_NOT_DEATH.sub(" ", norm)) is None


def bereavement(norm: str) -> re.Match[str] | None:
    """The words saying the debtor (or the holder of the number) died, if any."""
    if _NOT_DEATH_SEARCH(norm):
        return None
    return _DEATH_SEARCH(norm)


# the holder alive, ill or in care: "she's in hospital at the moment, I'll tell her when she's better", "il est
# hospitalisé depuis dix jours", "my wife is in intensive care": a wrong person to write to, no death (the words of
# illness count among `_DEATH_WORD`'s loose ones, which only let a model's reading of a death stand)
_STILL_ALIVE = re.compile(
    r"\b(?:she|he|they|mum|mom|dad|wife|husband|mother|father) (?:is|s|are|re|has been|have been) (?:still )?"
    r"(?:in|at|into) (?:the |a )?(?:hospital|intensive care|icu|a and e|rehab|care home|nursing home|surgery)\b"
    r"|\b(?:when|once|till|until) (?:she|he|they) (?:is|s|are|gets?|feels?) (?:better|well|out|home|back)\b"
    r"|\b(?:recovering|recuperating|getting better|on the mend)\b"
    r"|\b(?:il|elle|ils|elles) (?:est|sont) (?:encore |actuellement |en ce moment )?(?:hospitalisee?s?|a l hopital"
    r"|en reanimation|en soins intensifs|en convalescence|en reeducation|en maison de repos|en ehpad)\b"
    r"|\bquand (?:il|elle|ils|elles) (?:ira|iront|sera|seront|sortira|sortiront) (?:mieux|rentre|rentree|de l hopital"
    r"|sorti|sortie)\b|\b(?:se remet|se retablit|en voie de guerison)\b"
)


def said_alive(norm: str) -> bool:
    """The text says the holder is alive (ill, in hospital, recovering): no bereavement on the model's word."""
    return _STILL_ALIVE.search(norm) is not None
