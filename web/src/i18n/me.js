// Strings of the "Me" screen.
export default {
  en: {
    'me.menu': 'Your things',
    'me.offers': 'My offers',
    'me.post': 'Post an offer',
    'me.wanted': 'Wanted near me',
    'me.wants': 'My wants and alerts',
    'me.favourites': 'Saved offers',
    'me.feed': 'Following',
    'me.messages': 'Messages',
    'me.profile': 'My public profile',
    'me.settings': 'Settings',
  },
  fr: {
    'me.menu': 'Vos affaires',
    'me.offers': 'Mes offres',
    'me.post': 'Publier une offre',
    'me.wanted': 'Recherches près de chez moi',
    'me.wants': 'Mes envies et alertes',
    'me.favourites': 'Offres enregistrées',
    'me.feed': 'Abonnements',
    'me.messages': 'Messages',
    'me.profile': 'Mon profil public',
    'me.settings': 'Paramètres',
  },
};
